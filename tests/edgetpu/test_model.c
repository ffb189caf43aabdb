/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compiled-model reader against hostile input: the shared
 * *_edgetpu.tflite files parse; every truncation and thousands of random
 * byte flips inside the DWN1 package give an error or a model whose output
 * re-layout stays inside its buffers — never a crash (ASan/UBSan build).
 */
#include <string.h>

#include "check.h"
#include "edgetpu/etpu_priv.h"

static const char *const models[] = { "mobilenet_v1_0.25_128_quant_edgetpu",
				      "deeplabv3_mnv2_dm05_pascal_quant_edgetpu" };

/* Exercises what a parsed model offers: describe, and re-layout of every
 * output from its (zeroed) staging buffer. */
static void exercise(etpu_model *m)
{
	for (int i = 0; i < m->main->num_out; i++) {
		etpu_layer *l = &m->main->out[i];
		uint8_t *dst = malloc(l->info.bytes);
		if (dst != NULL)
			etpu_unstage_output(m->main, l, dst, l->info.bytes, NULL);
		free(dst);
	}
	for (int i = 0; i < m->main->num_in; i++) {
		etpu_layer *l = &m->main->in[i];
		uint8_t *src = calloc(1, l->info.bytes ? l->info.bytes : 1);
		if (src != NULL)
			etpu_stage_input(l, src, l->info.bytes, NULL);
		free(src);
	}
}

static void noop_line(void *u, const char *s)
{
	(void)u;
	(void)s;
}

int main(void)
{
	check_state s = { 0 };
	const char *shared = check_shared_dir();
	if (shared == NULL) {
		printf("SKIP edgetpu_model: FS_SHARED not set\n");
		return 0;
	}
	for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
		char path[1024], name[128];
		size_t n = 0;
		check_sfmt(path, sizeof path, "%s/models/tflite/%s.tflite", shared, models[k]);
		uint8_t *file = check_read_all(path, &n);
		if (file == NULL) {
			printf("SKIP edgetpu_model/%s: not in FS_SHARED\n", models[k]);
			continue;
		}
		fsnn_error err = { 0, "" };
		etpu_model *m = NULL;

		check_sfmt(name, sizeof name, "parse/%s", models[k]);
		check_begin(&s, name);
		fsnn_status st = etpu_model_from_tflite(file, n, &m, &err);
		CHECK(&s, st == FSNN_OK, "%s", err.msg);
		if (st == FSNN_OK) {
			CHECK(&s, m->pc != NULL && m->main != NULL && m->pc->token == m->main->token,
			      "expected parameter-caching + execution-only with one token");
			CHECK(&s, m->main->hints[m->main->num_hints - 1].kind == ETPU_H_INTERRUPT,
			      "last hint is not the interrupt");
			etpu_model_describe(m, noop_line, NULL);
			exercise(m);
		}
		check_end(&s);

		/* Locate the package inside the file to aim the mutations at it. */
		size_t pkg = 0;
		for (size_t i = 4; i + 4 <= n && pkg == 0; i++)
			if (memcmp(file + i, "DWN1", 4) == 0)
				pkg = i - 4;
		size_t pkg_end = m != NULL ? pkg + m->size : n;
		etpu_model_free(m);

		check_sfmt(name, sizeof name, "truncated/%s", models[k]);
		check_begin(&s, name);
		int accepted = 0;
		for (size_t cut = 0; cut < n; cut += 4999) {
			uint8_t *c = malloc(cut ? cut : 1); /* exact size: ASan sees one byte past */
			memcpy(c, file, cut);
			m = NULL;
			if (etpu_model_from_tflite(c, cut, &m, &err) == FSNN_OK) {
				/* Fine only when the cut spared the whole program (the
				 * file's tail holds data the driver never reads). */
				if (cut < pkg_end)
					accepted++;
				exercise(m);
			} else {
				CHECK(&s, err.msg[0] != 0, "error without a message at cut %zu", cut);
			}
			etpu_model_free(m);
			free(c);
		}
		CHECK(&s, accepted == 0, "%d files cut inside the program accepted", accepted);
		check_end(&s);

		/* Random flips of 1..8 bytes inside the package (a fixed LCG so a
		 * failure replays). */
		check_sfmt(name, sizeof name, "flipped/%s", models[k]);
		check_begin(&s, name);
		uint32_t seed = 12345u + (uint32_t)k;
		uint8_t *c = malloc(n);
		int ok = 0, bad = 0;
		for (int it = 0; it < 400 && pkg_end > pkg; it++) {
			memcpy(c, file, n);
			int flips = 1 + (int)((seed >> 8) % 8);
			for (int f = 0; f < flips; f++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = pkg + (seed >> 4) % (pkg_end - pkg);
				seed = seed * 1103515245u + 12345u;
				/* Mostly the small (header, tables, offsets) part: hints and
				 * layers live there, not in the parameter blobs. */
				if (it % 2 == 0)
					at = pkg + (seed >> 4) % ((pkg_end - pkg) < 20000 ? (pkg_end - pkg) : 20000);
				c[at] ^= (uint8_t)(1u << ((seed >> 20) & 7));
			}
			m = NULL;
			if (etpu_model_from_tflite(c, n, &m, &err) == FSNN_OK) {
				ok++;
				exercise(m);
			} else {
				bad++;
				CHECK(&s, err.msg[0] != 0, "error without a message");
			}
			etpu_model_free(m);
		}
		free(c);
		printf("# %s: %d mutated packages accepted, %d refused\n", models[k], ok, bad);
		check_end(&s);

		/* Options that are not a FlexBuffer map, or lack key "4". */
		check_sfmt(name, sizeof name, "options/%s", models[k]);
		check_begin(&s, name);
		static const uint8_t junk[][6] = { { 0 }, { 1, 2, 3, 4, 5, 6 }, { 0, 0, 0, 0, 0x24, 1 } };
		for (size_t j = 0; j < 3; j++) {
			m = NULL;
			st = etpu_model_from_options(junk[j], j == 0 ? 1 : 6, &m, &err);
			CHECK(&s, st == FSNN_E_FORMAT && m == NULL, "junk options %zu accepted", j);
		}
		st = etpu_model_from_options(NULL, 0, &m, &err);
		CHECK(&s, st == FSNN_E_FORMAT, "no options accepted");
		check_end(&s);
		free(file);
	}
	return check_exit(&s);
}
