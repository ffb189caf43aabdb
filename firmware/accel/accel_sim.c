/* SPDX-License-Identifier: BSD-3-Clause */
#include "accel_sim.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct fw_accel_sim {
	fw_engine_backend backend;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int hang_from, hang_count;
	long calls, hangs;
	unsigned long resets;  /* a hang ends when this moves */
};

static int sim_invoke(void *user, fsnn_context *ctx, fs_err *err)
{
	fw_accel_sim *s = user;
	pthread_mutex_lock(&s->mu);
	long n = ++s->calls;
	int hang = s->hang_from > 0 && n >= s->hang_from && (s->hang_count < 0 || s->hangs < s->hang_count);
	if (hang) {
		/* A stuck device: nothing comes back until the backend is reset. */
		s->hangs++;
		unsigned long seen = s->resets;
		while (s->resets == seen)
			pthread_cond_wait(&s->cv, &s->mu);
		pthread_mutex_unlock(&s->mu);
		return fs_err_set(err, -ETIMEDOUT, "sim: simulated hang aborted by reset");
	}
	pthread_mutex_unlock(&s->mu);
	fsnn_error ferr;
	fsnn_status st = fsnn_invoke(ctx, &ferr);
	return st == FSNN_OK ? 0 : fs_err_set(err, st == FSNN_E_TIMEOUT ? -ETIMEDOUT : -EIO, "sim: %s", ferr.msg);
}

static void sim_reset(void *user)
{
	fw_accel_sim *s = user;
	pthread_mutex_lock(&s->mu);
	s->resets++;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int fw_accel_sim_new(int hang_from, int hang_count, fw_accel_sim **out, fs_err *err)
{
	fw_accel_sim *s = calloc(1, sizeof *s);
	if (!s)
		return fs_err_set(err, -ENOMEM, "sim accelerator: out of memory");
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->hang_from = hang_from;
	s->hang_count = hang_count;
	s->backend = (fw_engine_backend){.invoke = sim_invoke, .reset = sim_reset, .user = s};
	*out = s;
	return 0;
}

const fw_engine_backend *fw_accel_sim_backend(fw_accel_sim *s)
{
	return &s->backend;
}

long fw_accel_sim_hangs(fw_accel_sim *s)
{
	pthread_mutex_lock(&s->mu);
	long n = s->hangs;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void fw_accel_sim_free(fw_accel_sim *s)
{
	if (!s)
		return;
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static int provider_open(const fw_board *board, void **state, fw_engine_backend *backend, char *note,
			 size_t note_size, fs_err *err)
{
	fw_accel_sim *s;
	int rc = fw_accel_sim_new(fw_board_opt_int(board, "sim", "hang_from", 0),
				  fw_board_opt_int(board, "sim", "hang_count", -1), &s, err);
	if (rc)
		return rc;
	*state = s;
	*backend = s->backend;
	snprintf(note, note_size, "simulated accelerator present");
	return 0;
}

static void provider_close(void *state)
{
	fw_accel_sim_free(state);
}

const fw_accel_provider fw_accel_sim_provider = {
	.name = "sim",
	.open = provider_open,
	.close = provider_close,
};
