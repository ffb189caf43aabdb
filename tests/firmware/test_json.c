/* SPDX-License-Identifier: BSD-3-Clause */
/* The one JSON string writer: output is valid JSON (and UTF-8) whatever
 * bytes a path or name holds. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json/json.h"

static char *render(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fw_json_str(f, s);
	fclose(f);
	return buf;
}

static int same(check_state *cs, const char *in, const char *want)
{
	char *got = render(in);
	int ok = !strcmp(got, want);
	CHECK(cs, ok, "input '%s': got %s, want %s", in, got, want);
	free(got);
	return ok;
}

int main(void)
{
	check_state cs = {0};
	check_begin(&cs, "json_escapes_quotes_and_controls");
	same(&cs, "a\"b\\c", "\"a\\\"b\\\\c\"");
	same(&cs, "l1\nl2\tx\x01\x1f\x7f", "\"l1\\nl2\\tx\\u0001\\u001f\\u007f\"");
	check_end(&cs);

	check_begin(&cs, "json_keeps_valid_utf8");
	same(&cs, "µm ü → 𝄞", "\"µm ü → 𝄞\"");
	check_end(&cs);

	check_begin(&cs, "json_replaces_invalid_utf8");
	same(&cs, "/data/\xff/run", "\"/data/\\ufffd/run\"");
	same(&cs, "\xc0\xaf", "\"\\ufffd\\ufffd\"");          /* overlong '/' */
	same(&cs, "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");  /* surrogate */
	same(&cs, "end\xe2\x82", "\"end\\ufffd\\ufffd\"");      /* truncated at the end */
	same(&cs, "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  /* > U+10FFFF */
	check_end(&cs);

	check_begin(&cs, "json_null");
	char *n = render(NULL);
	CHECK(&cs, !strcmp(n, "null"), "%s", n);
	free(n);
	check_end(&cs);
	return check_exit(&cs);
}
