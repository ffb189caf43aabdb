/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the model reader and load-time preparation.
 *
 * Each input is parsed twice: straight through nn_read_tflite on an
 * exactly sized heap copy (so ASan sees a read even one byte past the
 * end), then through the public fsnn_model_load_buffer with inspect_only,
 * which also binds kernels, runs every prepare and plans memory. The
 * public queries are called on success so their bookkeeping is covered.
 */
#include <stdlib.h>
#include <string.h>

#include "../src/nn_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void query(const fsnn_model *m)
{
	fsnn_tensor_info ti;
	fsnn_op_info oi;
	fsnn_memory_info mi;
	for (int i = 0; i < fsnn_model_num_inputs(m); i++)
		fsnn_model_input_info(m, i, &ti);
	for (int i = 0; i < fsnn_model_num_outputs(m); i++)
		fsnn_model_output_info(m, i, &ti);
	for (int i = 0; i < fsnn_model_num_ops(m); i++)
		fsnn_model_op_info(m, i, &oi);
	fsnn_model_memory_info(m, &mi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fsnn_error err;
	fsnn_model parsed;
	memset(&parsed, 0, sizeof parsed);
	parsed.file = malloc(size ? size : 1);
	if (!parsed.file)
		return 0;
	if (size)
		memcpy(parsed.file, data, size);
	parsed.file_size = size;
	parsed.source = "fuzz.tflite";
	nn_read_tflite(&parsed, &err);
	nn_free_parsed(&parsed);
	free(parsed.file);

	fsnn_load_options opts = { .backends = NULL, .num_backends = 0, .inspect_only = 1 };
	fsnn_model *m = NULL;
	if (fsnn_model_load_buffer(data, size, &opts, &m, &err) == FSNN_OK) {
		query(m);
		fsnn_model_free(m);
	}
	return 0;
}
