/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to firmware/config: the key tables (keys.c) that the parser
 * (config.c) and the outputs (output.c: run.json snapshot, config-doc)
 * share, so every key has one default, range and doc line.
 */
#ifndef FW_CONFIG_PRIV_H
#define FW_CONFIG_PRIV_H

#include <stddef.h>

#include "config.h"

/* K_OPT: an integer of a backend's own section, stored by name in
 * fw_board.opts (board keys only). */
typedef enum key_type { K_INT, K_DOUBLE, K_STR, K_PATH, K_BOOL, K_ENUM, K_SHA, K_OPT } key_type;

typedef struct key_def {
	const char *section;
	const char *key;
	key_type type;
	size_t offset, size;
	double min, max;     /* K_INT, K_DOUBLE */
	const char *choices; /* K_ENUM: "a|b|c" */
	const char *def;     /* default, as text */
	const char *doc;
} key_def;

#define CF(m) offsetof(fw_config, m), sizeof(((fw_config *)0)->m)
#define BF(m) offsetof(fw_board, m), sizeof(((fw_board *)0)->m)
extern const key_def fw_config_keys[];
extern const size_t fw_config_nkeys;
extern const key_def fw_board_keys[];
extern const size_t fw_board_nkeys;

/* config.c: the INI reader the two files share. */
typedef int (*extra_fn)(void *base, const char *section, const char *key, const char *v,
			const char *base_dir, const char *where, fs_err *err);
char *cfg_trim(char *s);
int cfg_copy_str(char *dst, size_t size, const char *src);
int cfg_parse_ini(const char *text, const char *name, const char *base_dir, const key_def *keys, size_t nkeys,
		  void *base, extra_fn extra, fs_err *err);
/* Same over size bytes that may hold NULs (a NUL is an error at its line). */
int cfg_parse_buf(const char *text, size_t size, const char *name, const char *base_dir, const key_def *keys,
		  size_t nkeys, void *base, extra_fn extra, fs_err *err);
/* The whole file (at most 1 MiB), NUL-terminated; *size excludes the NUL. */
int cfg_read_text(const char *path, char **out, size_t *size, fs_err *err);
void cfg_apply_defaults(const key_def *keys, size_t n, void *base);
/* board.c */
void cfg_board_defaults(fw_board *b);
int cfg_valid_name(const char *s);   /* letters, digits, '_' and '-' */

#endif
