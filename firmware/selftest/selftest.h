/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * selftest — the boot checks, in order, each logged and kept for run.json
 * and the audit log: LEDs (every pattern lights, reads back and goes dark;
 * the status LED toggles) -> camera (opens, delivers a frame) -> model
 * (SHA-256 pin, loads, tile size) -> accelerator (present, or absent ->
 * CPU) -> storage (writable, min_free_mb free). What the checks open is
 * the rig the run then works with.
 */
#ifndef FW_SELFTEST_H
#define FW_SELFTEST_H

#include <stdio.h>

#include "accel/accel.h"
#include "camera/camera.h"
#include "config/config.h"
#include "leds/leds.h"
#include "record/record.h"
#include "segment/segment.h"

typedef struct fw_rig {
	fs_leds *leds;
	fs_camera *cam;                 /* NULL while the capture stage reopens it */
	fs_camera_config camcfg;
	int width, height, depth;       /* of the camera's frames */
	fw_engine *cpu, *accel;         /* accel NULL: CPU only */
	fw_accel *accel_dev;
	char accel_note[400];
} fw_rig;

/* Runs every check into checks; stops at the first failure, returning its
 * error with its blink code in *blink. The rig holds whatever opened
 * (close it in any case). */
/* The CPU engine's options for frames of fov_w x fov_h (0 x 0 = unknown):
 * the configured model and pin, threads inside each invoke ([segmentation]
 * parallel = ops) or tile-parallel contexts (tiles), and the input size
 * planning within max_arena_mb. */
fw_engine_opts fw_cpu_engine_opts(const fw_config *cfg, int fov_w, int fov_h);

int fw_rig_open(const fw_config *cfg, FILE *log, fw_rig *rig, fw_checks *checks, int *blink, fs_err *err);

/* Everything dark and closed. last_look (may be NULL) sees the LEDs once
 * they are dark, just before they are released. */
void fw_rig_close(fw_rig *rig, void (*last_look)(const fs_leds *leds, void *user), void *user);

#endif
