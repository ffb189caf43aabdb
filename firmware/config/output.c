/* SPDX-License-Identifier: BSD-3-Clause */
/* The config as others read it: the JSON snapshot in run.json and the
 * reference text of `fieldscope config-doc`, both from the key tables. */
#include "config_priv.h"

#include <string.h>

#include "store/store.h" /* fw_json_str: one JSON string escaper for the firmware */

static void write_keys_json(const key_def *keys, size_t n, const void *base, FILE *out)
{
	const char *sec = "";
	int first_sec = 1, first_key = 1;
	for (size_t i = 0; i < n; i++) {
		const key_def *k = &keys[i];
		if (!k->size)
			continue;
		if (strcmp(sec, k->section)) {
			if (!first_sec)
				fputs("}", out);
			fprintf(out, "%s\"%s\": {", first_sec ? "" : ", ", k->section);
			sec = k->section;
			first_sec = 0;
			first_key = 1;
		}
		fprintf(out, "%s\"%s\": ", first_key ? "" : ", ", k->key);
		first_key = 0;
		const char *p = (const char *)base + k->offset;
		switch (k->type) {
		case K_INT: fprintf(out, "%d", *(const int *)p); break;
		case K_OPT: fprintf(out, "%d", fw_board_opt_int(base, k->section, k->key, 0)); break;
		case K_DOUBLE: fprintf(out, "%.17g", *(const double *)p); break;
		case K_BOOL: fputs(*(const bool *)p ? "true" : "false", out); break;
		case K_ENUM:
			if (!strcmp(k->key, "trigger") && k->size == sizeof(fw_trigger))
				fw_json_str(out, fw_trigger_name(*(const fw_trigger *)p));
			else
				fw_json_str(out, p);
			break;
		default: fw_json_str(out, p); break;
		}
	}
	if (!first_sec)
		fputs("}", out);
}

void fw_config_write_json(const fw_config *cfg, FILE *out)
{
	fputs("{\"file\": ", out);
	fw_json_str(out, cfg->path);
	fputs(", ", out);
	write_keys_json(fw_config_keys, fw_config_nkeys, cfg, out);
	fputs(", \"board_file\": {\"path\": ", out);
	fw_json_str(out, cfg->board.path);
	fputs(", ", out);
	write_keys_json(fw_board_keys, fw_board_nkeys, &cfg->board, out);
	fputs(", \"sequence\": [", out);
	for (int i = 0; i < cfg->board.n_steps; i++) {
		fputs(i ? ", " : "", out);
		fw_json_str(out, cfg->board.steps[i].name);
	}
	fputs("], \"patterns\": {", out);
	const fs_leds_config *lc = &cfg->board.leds;
	for (int i = 0; i < lc->n_patterns; i++) {
		fprintf(out, "%s", i ? ", " : "");
		fw_json_str(out, lc->patterns[i].name);
		fputs(": [", out);
		for (int j = 0; j < lc->patterns[i].n_lines; j++) {
			fputs(j ? ", " : "", out);
			fw_json_str(out, lc->lines[lc->patterns[i].lines[j]].spec);
		}
		fputs("]", out);
	}
	fputs("}}}", out);
}

static void print_doc(const key_def *keys, size_t n, FILE *out)
{
	const char *sec = "";
	for (size_t i = 0; i < n; i++) {
		const key_def *k = &keys[i];
		if (strcmp(sec, k->section)) {
			fprintf(out, "\n[%s]\n", k->section);
			sec = k->section;
		}
		char range[64] = "";
		if (k->type == K_INT || k->type == K_OPT)
			snprintf(range, sizeof range, "integer %.0f..%.0f", k->min, k->max);
		else if (k->type == K_DOUBLE)
			snprintf(range, sizeof range, "number %g..%g", k->min, k->max);
		else if (k->type == K_ENUM)
			snprintf(range, sizeof range, "%s", k->choices);
		else if (k->type == K_BOOL)
			snprintf(range, sizeof range, "true|false");
		else if (k->type == K_SHA)
			snprintf(range, sizeof range, "64 hex digits or empty");
		else if (k->type == K_PATH)
			snprintf(range, sizeof range, "path (relative to this file)");
		else
			snprintf(range, sizeof range, "text");
		fprintf(out, "# %s\n#   %s; default: %s\n%s = %s\n", k->doc, range, *k->def ? k->def : "(empty)",
			k->key, k->def);
	}
}

void fw_config_print_doc(FILE *out)
{
	fputs("# ---- fieldscope.conf ----", out);
	print_doc(fw_config_keys, fw_config_nkeys, out);
	fputs("\n# ---- board/<name>.conf ----", out);
	print_doc(fw_board_keys, fw_board_nkeys, out);
	fputs("\n[leds]\n"
	      "# backend = gpiod|sim\n"
	      "# pattern.NAME = LINE[, LINE...]   lines lit together for one illumination step\n"
	      "# line.LINE = MAX_ON_MS[, active_low]   per-line limits (optional)\n"
	      "# status = LINE[, active_low]   status LED (blink codes: see firmware/README.md)\n"
	      "# button = LINE[, active_low]   trigger button\n"
	      "# debounce_ms = 30\n"
	      "# LINE is a gpio-line-names name or chip:offset (e.g. gpiochip0:17)\n", out);
}

