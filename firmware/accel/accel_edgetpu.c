/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Coral USB Accelerator as an accelerator provider: the edgetpu fsnn
 * backend (drivers/edgetpu) claims the model's edgetpu-custom-op nodes.
 * The backend opens lazily, so a model loads even while the stick is away;
 * open here probes the stick once so the self-test can say whether it is
 * there, where and at what speed, and the run starts on the CPU otherwise.
 * A failing invoke is an error of the engine's invoke; the pipeline resets,
 * retries and falls back to the CPU, recording why in run.json.
 */
#include "accel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "edgetpu/edgetpu.h"

typedef struct edgetpu_accel {
	fsnn_backend *be;
	const fsnn_backend *list[1];
} edgetpu_accel;

static void edgetpu_close(void *state)
{
	edgetpu_accel *a = state;
	if (!a)
		return;
	etpu_backend_free(a->be);
	free(a);
}

static int edgetpu_open(const fw_board *board, void **state, fw_engine_backend *backend, char *note,
			size_t note_size, fs_err *err)
{
	etpu_config cfg;
	etpu_config_init(&cfg);
	cfg.lazy_open = 1;
	/* [edgetpu] timeout_ms in the board file bounds each USB transfer and
	 * the completion event, so an invoke cannot outlive the deadline. */
	int t = fw_board_opt_int(board, "edgetpu", "timeout_ms", 0);
	if (t > 0)
		cfg.timeout_ms = cfg.event_timeout_ms = (unsigned)t;
	edgetpu_accel *a = calloc(1, sizeof *a);
	if (!a)
		return fs_err_set(err, -ENOMEM, "edgetpu: out of memory");
	fsnn_error ferr = { 0, "" };
	if (etpu_backend_new(&cfg, &a->be, &ferr) != FSNN_OK) {
		/* No USB access at all (libusb cannot start): the stick is as good
		 * as absent, and the run goes on on the CPU saying why. */
		free(a);
		snprintf(note, note_size, "accelerator edgetpu unusable (%s): CPU", ferr.msg);
		return 1;
	}
	etpu_device *dev = etpu_backend_device(a->be);
	if (etpu_device_open(dev, &ferr) != FSNN_OK) {
		snprintf(note, note_size, "accelerator edgetpu absent or unusable (%s): CPU", ferr.msg);
		edgetpu_close(a);
		return 1;
	}
	int speed = etpu_device_speed(dev);
	snprintf(note, note_size, "edgetpu at USB %s, %s%s", etpu_device_path(dev), etpu_speed_name(speed),
		 speed < ETPU_SPEED_SUPER ? " (USB 2.0 link: plug it into a blue USB 3 port for full speed)" : "");
	a->list[0] = a->be;
	*backend = (fw_engine_backend){ .backends = a->list, .num_backends = 1 };
	*state = a;
	return 0;
}

const fw_accel_provider fw_accel_edgetpu_provider = {
	.name = "edgetpu",
	.open = edgetpu_open,
	.close = edgetpu_close,
};
