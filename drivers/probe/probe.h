/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by fsprobe's files: fsprobe.c (list, light, button, capture,
 * main) and board.c (fsprobe board FILE). */
#ifndef FS_PROBE_H
#define FS_PROBE_H

#include "err/fs_err.h"

/* The usage line(s) of command index which, on stdout; returns 0. */
int probe_help(int which);
/* "fsprobe CMD: <fmt with what> (see ...)" on stderr; returns 2. */
int probe_usage_error(const char *cmd, const char *fmt, const char *what);
/* The unknown option or missing value getopt_long stopped at; returns 2. */
int probe_bad_option(const char *cmd, int ch, char **argv);
/* "error N: msg" on stderr; returns 1. */
int probe_fail(const fs_err *e);

int cmd_board(int argc, char **argv);

#endif
