/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the config parser: each input is parsed as a
 * fieldscope.conf and as a board file, from an exactly sized heap copy (no
 * terminating NUL: the parser must honour the size, and a NUL inside is an
 * error, never the end of the text). On success the semantic checks and
 * the run.json snapshot run too, so every parsed value is read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	fw_config *cfg = calloc(1, sizeof *cfg);
	if (cfg) {
		fs_err e;
		fw_config_defaults(cfg);
		if (fw_config_parse_mem(text, size, "fuzz.conf", "/base", cfg, &e) == 0) {
			fw_config_check(cfg, &e);
			FILE *o = fopen("/dev/null", "w");
			if (o) {
				fw_config_write_json(cfg, o);
				fclose(o);
			}
		}
		if (fw_board_parse_mem(text, size, "fuzz-board.conf", "/base", &cfg->board, &e) == 0)
			fw_config_check(cfg, &e);
		/* One --set per line of the input, as a command line would give. */
		char line[256];
		size_t n = size < sizeof line - 1 ? size : sizeof line - 1;
		memcpy(line, text, n);
		line[n] = '\0';
		fw_config_set(cfg, line, "/cwd", &e);
		free(cfg);
	}
	free(text);
	return 0;
}
