/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to nn/cli: helpers the fsnn sub-commands share (messages, JSON
 * strings, the engine options every command takes).
 */
#ifndef NN_CLI_H
#define NN_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "fsnn.h"

#define EXIT_USAGE 2

/* "fsnn: <message>" on stderr; returns 1 (the exit status for failures). */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Messages are one line by contract; makes sure of it in place. */
const char *one_line(char *msg);
void print_json_string(FILE *f, const char *s);

/* Options shared by info, run and bench. */
typedef struct cli_engine_opts {
	const char *kernels;         /* --kernels SPEC (else FSNN_KERNELS) */
	int32_t height, width;       /* --input-size HxW, 0 = as in the file */
	int threads;                 /* --threads N, intra-op */
} cli_engine_opts;

#define CLI_ENGINE_USAGE "[--kernels auto|ref|FEATURES] [--input-size HxW] [--threads N]"

/* If argv[*i] is one of the shared options, consumes it (and its value,
 * advancing *i) and returns 1; returns 0 if it is not one, -1 after
 * printing an error for a bad value. */
int cli_engine_opt(const char *cmd, int argc, char **argv, int *i, cli_engine_opts *o);
/* Load options from the shared options. */
fsnn_load_options cli_load_options(const cli_engine_opts *o);

int cmd_bench(int argc, char **argv);

#endif
