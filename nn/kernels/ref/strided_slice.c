/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STRIDED_SLICE with constant begin/end/strides, begin_mask, end_mask and
 * shrink_axis_mask, negative indices and negative strides, any fixed-size
 * type. Raw copy (see slice_common.h for the oracle's behaviour).
 *
 * Index arithmetic follows TFLite's strided_slice_logic.h: a masked begin
 * is the first (stride > 0) or last element, a negative index counts from
 * the end, then begin is clamped to [0, n] (stride > 0) or [-1, n - 1]
 * (stride < 0), and end likewise. A shrunk axis takes exactly element
 * begin (begin_mask still applies, as in TFLite) and leaves the output
 * shape; every other axis has max(0, ceil((end - begin) / stride)).
 *
 * Not taken (refused at load, naming the op): ellipsis_mask, new_axis_mask
 * and offset (converters fold these into reshapes), and index tensors
 * shorter than the input's rank.
 */
#include <stdio.h>

#include "slice_common.h"

/* StridedSliceOptions field ids */
enum { SS_BEGIN_MASK = 0, SS_END_MASK = 1, SS_ELLIPSIS_MASK = 2, SS_NEW_AXIS_MASK = 3,
       SS_SHRINK_AXIS_MASK = 4, SS_OFFSET = 5 };

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

/* One axis: begin (already masked and clamped), end, element count. */
static void axis_range(int64_t n, int64_t begin, int64_t end, int64_t stride, bool begin_masked,
		       bool end_masked, bool shrink, int64_t *start, int64_t *count)
{
	if (n == 0) {
		*start = 0;
		*count = 0;
		return;
	}
	if (begin_masked)
		begin = stride > 0 ? 0 : n - 1;
	else if (begin < 0)
		begin += n;
	begin = stride > 0 ? clamp64(begin, 0, n) : clamp64(begin, -1, n - 1);
	if (shrink) {
		end = begin + 1;
	} else {
		if (end_masked)
			end = stride > 0 ? n : -1;
		else if (end < 0)
			end += n;
		end = stride > 0 ? clamp64(end, 0, n) : clamp64(end, -1, n - 1);
	}
	int64_t span = stride > 0 ? end - begin : begin - end;
	int64_t step = stride > 0 ? stride : -stride;
	*start = begin;
	*count = span > 0 ? (span + step - 1) / step : 0;
	/* TFLite's loop copies nothing for a shrunk axis with a negative
	 * stride (end = begin + 1 lies behind it) and leaves the output
	 * unwritten; TensorFlow takes element begin, and so does fsnn. */
	if (shrink)
		*count = 1;
}

static fsnn_status ss_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 4, 4, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *b = in ? nn_ku_input_required(ctx, node, 1, "begin") : NULL;
	const nn_tensor *e = b ? nn_ku_input_required(ctx, node, 2, "end") : NULL;
	const nn_tensor *s = e ? nn_ku_input_required(ctx, node, 3, "strides") : NULL;
	if (s == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_slice_same_q(ctx, node, in, out, "output")) ||
	    (st = nn_slice_const_index(ctx, node, b, "begin", in->rank)) ||
	    (st = nn_slice_const_index(ctx, node, e, "end", in->rank)) ||
	    (st = nn_slice_const_index(ctx, node, s, "strides", in->rank)))
		return st;
	int32_t bmask = nn_fb_i32(&node->options, SS_BEGIN_MASK, 0);
	int32_t emask = nn_fb_i32(&node->options, SS_END_MASK, 0);
	int32_t smask = nn_fb_i32(&node->options, SS_SHRINK_AXIS_MASK, 0);
	const char *unsupported = nn_fb_i32(&node->options, SS_ELLIPSIS_MASK, 0) ? "ellipsis_mask"
				: nn_fb_i32(&node->options, SS_NEW_AXIS_MASK, 0) ? "new_axis_mask"
				: nn_fb_u8(&node->options, SS_OFFSET, 0) ? "offset" : NULL;
	if (unsupported != NULL)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "%s is set; fsnn takes begin_mask, end_mask and shrink_axis_mask only",
				    unsupported);
	int64_t in_stride[FSNN_MAX_RANK], walk[FSNN_MAX_RANK], step[FSNN_MAX_RANK];
	int32_t out_dims[FSNN_MAX_RANK];
	int out_rank = 0;
	int64_t offset = 0;
	bool empty = false;
	nn_slice_strides(in, in_stride);
	for (int a = 0; a < in->rank; a++) {
		int64_t stride = nn_slice_index(s, (size_t)a);
		if (stride == 0 || stride < -INT32_MAX || stride > INT32_MAX)
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "strides '%s' entry %d is %lld; "
					    "expected a non-zero int32", s->name, a, (long long)stride);
		bool shrink = (smask >> a) & 1;
		int64_t start, count;
		axis_range(in->dims[a], nn_slice_index(b, (size_t)a), nn_slice_index(e, (size_t)a),
			   stride, (bmask >> a) & 1, (emask >> a) & 1, shrink, &start, &count);
		if (shrink && (start < 0 || start >= in->dims[a]))
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
					    "shrunk axis %d: begin %lld is outside input '%s' dimension %d",
					    a, (long long)nn_slice_index(b, (size_t)a), in->name,
					    (int)in->dims[a]);
		walk[a] = count;
		step[a] = stride * in_stride[a];
		if (count == 0)
			empty = true;
		else
			offset += start * in_stride[a];
		if (!shrink)
			out_dims[out_rank++] = (int32_t)count;
	}
	if ((st = nn_check_output_shape(ctx, node, 0, out_rank, out_dims)))
		return st;
	nn_slice_walk *w = nn_persistent_alloc(ctx, sizeof *w);
	if (w == NULL)
		return ctx->err->code;
	if (empty)
		walk[0] = 0;   /* nothing to copy: nn_slice_run returns at once */
	nn_slice_walk_init(w, in->rank, walk, step, empty ? 0 : offset, fsnn_dtype_size(in->type));
	node->op_data = w;
	return FSNN_OK;
}

static fsnn_status ss_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	nn_slice_run(node->op_data, nn_in_data(ctx, node, 0), nn_out_data(ctx, node, 0));
	return FSNN_OK;
}

const nn_kernel nn_kernel_strided_slice = {
	.builtin = NN_OP_STRIDED_SLICE,
	.name = "STRIDED_SLICE",
	.prepare = ss_prepare,
	.eval = ss_eval,
};
