/* SPDX-License-Identifier: BSD-3-Clause */
/* --set SECTION.KEY=VALUE: one override parsed with the file parser's own
 * key table, so it gets the same range checks and messages. */
#include "config_priv.h"

#include <errno.h>
#include <string.h>

int fw_config_set(fw_config *cfg, const char *s, const char *base_dir, fs_err *err)
{
	/* Checked on the raw argument: a newline inside the value would
	 * otherwise become a second config line (a [board] header, say)
	 * after the section check below had passed. */
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return fs_err_set(err, -EINVAL, "--set: control character 0x%02x at position %d: expected "
					  "SECTION.KEY=VALUE on one line", (unsigned char)*c, (int)(c - s) + 1);
	const char *dot = strchr(s, '.'), *eq = strchr(s, '=');
	if (!dot || !eq || dot > eq || dot == s || eq == dot + 1)
		return fs_err_set(err, -EINVAL, "--set '%s': expected SECTION.KEY=VALUE", s);
	char section[64], text[1200];
	size_t sl = (size_t)(dot - s);
	if (sl >= sizeof section)
		return fs_err_set(err, -EINVAL, "--set '%s': section name too long", s);
	memcpy(section, s, sl);
	section[sl] = '\0';
	char *sec = cfg_trim(section);
	if (!strcmp(sec, "board"))
		return fs_err_set(err, -EINVAL, "--set '%s': [board] can only be changed in the config file", s);
	if (strchr(sec, '[') || strchr(sec, ']'))
		return fs_err_set(err, -EINVAL, "--set '%s': expected a section name without brackets", s);
	int n = snprintf(text, sizeof text, "[%s]\n%.*s = %s\n", sec, (int)(eq - dot - 1), dot + 1, eq + 1);
	if (n < 0 || n >= (int)sizeof text)
		return fs_err_set(err, -EINVAL, "--set '%s': too long", s);
	char path[FW_PATH_MAX];
	snprintf(path, sizeof path, "%s", cfg->path);
	int rc = cfg_parse_buf(text, (size_t)n, "--set", base_dir, fw_config_keys, fw_config_nkeys, cfg, NULL, err);
	snprintf(cfg->path, sizeof cfg->path, "%s", path);
	return rc;
}
