/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared implementation of the elementwise ADD, SUB and MUL kernels
 * (add.c, sub.c, mul.c are thin wrappers): broadcasting over up to
 * FSNN_MAX_RANK dimensions, fused activations, int8/uint8/int32/float32.
 * Private to nn/kernels/ref/.
 */
#ifndef NN_BINARY_OPS_H
#define NN_BINARY_OPS_H

#include "../common/kernel_util.h"

fsnn_status nn_binary_prepare(nn_prepare_ctx *ctx, nn_node *node, int builtin);
fsnn_status nn_binary_eval(const nn_eval_ctx *ec, const nn_node *node);

#endif
