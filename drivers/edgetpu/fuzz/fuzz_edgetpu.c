/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the compiled-model reader: the input is parsed as
 * a whole .tflite (→ edgetpu-custom-op → FlexBuffer → DWN1) and as bare
 * custom-op options, from exactly sized heap copies so ASan sees a read one
 * byte past the end. A parsed model is exercised like an inference would:
 * inputs staged, every output re-laid out from its staging buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "edgetpu/etpu_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(etpu_model *m)
{
	for (int i = 0; i < m->main->num_in; i++) {
		etpu_layer *l = &m->main->in[i];
		uint8_t *src = calloc(1, l->info.bytes ? l->info.bytes : 1);
		if (src != NULL)
			etpu_stage_input(l, src, l->info.bytes, NULL);
		free(src);
	}
	for (int i = 0; i < m->main->num_out; i++) {
		etpu_layer *l = &m->main->out[i];
		uint8_t *dst = malloc(l->info.bytes ? l->info.bytes : 1);
		if (dst != NULL)
			etpu_unstage_output(m->main, l, dst, l->info.bytes, NULL);
		free(dst);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	fsnn_error err;
	etpu_model *m = NULL;
	if (etpu_model_from_tflite(copy, size, &m, &err) == FSNN_OK)
		exercise(m);
	etpu_model_free(m);
	m = NULL;
	if (etpu_model_from_options(copy, size, &m, &err) == FSNN_OK)
		exercise(m);
	etpu_model_free(m);
	free(copy);
	return 0;
}
