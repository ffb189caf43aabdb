/* SPDX-License-Identifier: BSD-3-Clause */
#include "accel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel_sim.h"

extern const fw_accel_provider fw_accel_edgetpu_provider;   /* accel_edgetpu.c */

/* Every accelerator this build can drive, by name. */
static const fw_accel_provider *const providers[] = {
	&fw_accel_sim_provider,
	&fw_accel_edgetpu_provider,
};

struct fw_accel {
	const fw_accel_provider *p;
	void *state;
	fw_engine_backend backend;
};

int fw_accel_open(const fw_board *board, fw_accel **out, char *note, size_t note_size, fs_err *err)
{
	*out = NULL;
	const char *name = board->accelerator;
	if (!*name || !strcmp(name, "none")) {
		snprintf(note, note_size, "no accelerator configured: CPU");
		return 0;
	}
	const fw_accel_provider *p = NULL;
	for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++)
		if (!strcmp(providers[i]->name, name))
			p = providers[i];
	if (!p) {
		snprintf(note, note_size, "accelerator '%s' absent: this build has no driver for it; CPU", name);
		return 0;
	}
	fw_accel *a = calloc(1, sizeof *a);
	if (!a)
		return fs_err_set(err, -ENOMEM, "accelerator %s: out of memory", name);
	a->p = p;
	int rc = p->open(board, &a->state, &a->backend, note, note_size, err);
	if (rc != 0) {
		free(a);
		return rc < 0 ? rc : 0;
	}
	*out = a;
	return 0;
}

const fw_engine_backend *fw_accel_backend(const fw_accel *a)
{
	return &a->backend;
}

const char *fw_accel_name(const fw_accel *a)
{
	return a->p->name;
}

void fw_accel_close(fw_accel *a)
{
	if (!a)
		return;
	a->p->close(a->state);
	free(a);
}
