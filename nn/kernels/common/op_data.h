/*
 * Typed op data of the reference kernels that faster variants reuse. The
 * reference prepare (nn/kernels/ref/) fills these and stores them in
 * node->op_data; a variant's prepare (nn/kernels/x86/, nn/kernels/arm/)
 * reads them instead of parsing the options again, as TFLite Micro's
 * optimised kernels reuse the reference Prepare.
 */
#ifndef NN_OP_DATA_H
#define NN_OP_DATA_H

#include "kernel_util.h"

/* CONV_2D */
typedef struct nn_conv_data {
	fsnn_dtype type;
	nn_ku_window win;
	int32_t groups;
	nn_ku_weighted wt;       /* zero points, bias, requantisation or clamp */
} nn_conv_data;

/* DEPTHWISE_CONV_2D */
typedef struct nn_dw_data {
	fsnn_dtype type;
	nn_ku_window win;
	int32_t mult;            /* depth multiplier */
	nn_ku_weighted wt;
} nn_dw_data;

#endif
