/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table of fast kernel variants, in order of preference per op, and
 * the choice made once at prepare (CMSIS-NN's wrapper that picks the
 * fastest kernel for the shape, TFLite Micro's per-target kernel folders).
 * Each variant lives in its own file under nn/kernels/<target>/, compiled
 * with that target's flags; it runs only where nn_cpu_detect found what it
 * requires, and it declines shapes it does not handle, which then run on
 * the reference kernel.
 */
#include <stddef.h>

#include "../src/nn_internal.h"

#if defined(__x86_64__)
#define NN_TARGET_VARIANTS(X) \
	X(conv_2d_avx512vnni) X(conv_2d_avxvnni) X(conv_2d_avx2) \
	X(depthwise_conv_2d_rows_avx2) \
	X(depthwise_conv_2d_avx512vnni) X(depthwise_conv_2d_avx2) X(resize_bilinear_avx2) \
	X(add_avx2) X(sub_avx2) X(fully_connected_avx2)
#elif defined(__aarch64__)
#define NN_TARGET_VARIANTS(X) \
	X(conv_2d_dotprod) X(conv_2d_neon) X(depthwise_conv_2d_neon)
#else
#define NN_TARGET_VARIANTS(X)
#endif
/* Portable C (nn/kernels/generic/), after the target's own. */
#define NN_GENERIC_VARIANTS(X) \
	X(concatenation_generic) X(pad_generic) X(padv2_generic) \
	X(logistic_generic) X(tanh_generic) X(quantize_generic) X(arg_max_generic)
#define NN_VARIANTS(X) NN_TARGET_VARIANTS(X) NN_GENERIC_VARIANTS(X)

#define NN_DECLARE_VARIANT(v) extern const nn_variant nn_variant_##v;
NN_VARIANTS(NN_DECLARE_VARIANT)

#define NN_VARIANT_ENTRY(v) &nn_variant_##v,
static const nn_variant *const nn_all_variants[] = { NN_VARIANTS(NN_VARIANT_ENTRY) NULL };

fsnn_status nn_variant_select(nn_prepare_ctx *ctx, nn_node *node)
{
	const unsigned have = ctx->model->cpu_features;
	for (size_t i = 0; nn_all_variants[i] != NULL; i++) {
		const nn_variant *v = nn_all_variants[i];
		if (v->builtin != node->builtin || (v->requires & ~have) != 0)
			continue;
		bool accepted = false;
		fsnn_status st = v->prepare(ctx, node, &accepted);
		if (st != FSNN_OK)
			return st;
		if (accepted) {
			node->eval = v->eval;
			node->variant = v->name;
			return FSNN_OK;
		}
	}
	return FSNN_OK;
}
