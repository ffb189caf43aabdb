/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the fsnn sub-commands; see cli.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int fail(const char *fmt, ...)
{
	va_list ap;
	fputs("fsnn: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

const char *one_line(char *msg)
{
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return msg;
}

void print_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (s == NULL || *s == '\0' || end == s || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return (int)(end - s);
}

int cli_engine_opt(const char *cmd, int argc, char **argv, int *i, cli_engine_opts *o)
{
	const char *opt = argv[*i];
	const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	if (strcmp(opt, "--kernels") == 0) {
		if (val == NULL)
			return fail("%s: --kernels needs a value (auto, ref or features such as avx2)", cmd), -1;
		o->kernels = val;
	} else if (strcmp(opt, "--threads") == 0) {
		long v;
		if (parse_int(val, 1, 64, &v) < 0 || val[strspn(val, "0123456789")] != '\0')
			return fail("%s: --threads takes a number from 1 to 64, got '%s'", cmd,
				    val ? val : ""), -1;
		o->threads = (int)v;
	} else if (strcmp(opt, "--input-size") == 0) {
		long h, w;
		int n = parse_int(val, 1, 65536, &h);
		if (n < 0 || val[n] != 'x' || parse_int(val + n + 1, 1, 65536, &w) < 0 ||
		    val[n + 1 + strspn(val + n + 1, "0123456789")] != '\0')
			return fail("%s: --input-size takes HEIGHTxWIDTH such as 2048x2048, got '%s'", cmd,
				    val ? val : ""), -1;
		o->height = (int32_t)h;
		o->width = (int32_t)w;
	} else {
		return 0;
	}
	(*i)++;
	return 1;
}

fsnn_load_options cli_load_options(const cli_engine_opts *o)
{
	return (fsnn_load_options){ .kernels = o->kernels, .input_height = o->height,
				    .input_width = o->width };
}
