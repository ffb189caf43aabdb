/* SPDX-License-Identifier: BSD-3-Clause */
#include "selftest.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/util.h"

static int open_leds(const fw_config *cfg, FILE *log, fw_rig *r, fw_checks *cs, fs_err *err)
{
	int rc = fs_leds_new(&cfg->board.leds, &r->leds, err);
	if (rc) {
		fw_checks_add(cs, log, "leds", 0, "%s", err->msg);
		return rc;
	}
	/* Each pattern lights and goes dark again. */
	for (int i = 0; i < cfg->board.leds.n_patterns; i++) {
		const char *name = cfg->board.leds.patterns[i].name;
		rc = fs_leds_set_pattern(r->leds, name, err);
		const char *cur = fs_leds_current(r->leds);
		if (!rc && (!cur || strcmp(cur, name)))
			rc = fs_err_set(err, -EIO, "pattern %s did not read back as lit", name);
		int rc2 = fs_leds_all_off(r->leds, err);
		if (!rc)
			rc = rc2;
		if (!rc && fs_leds_current(r->leds))
			rc = fs_err_set(err, -EIO, "pattern %s did not switch off", name);
		if (rc) {
			fw_checks_add(cs, log, "leds", 0, "%s", err->msg);
			return rc;
		}
	}
	if (cfg->board.leds.status[0]) {
		fs_leds_set_status(r->leds, true, NULL);
		fw_sleep_ms(50);
		fs_leds_set_status(r->leds, false, NULL);
	}
	fw_checks_add(cs, log, "leds", 1, "%d pattern(s) toggled on %s backend%s", cfg->board.leds.n_patterns,
		  cfg->board.leds.backend, cfg->board.leds.status[0] ? ", status LED toggled" : "");
	return 0;
}

static int open_camera(const fw_config *cfg, FILE *log, fw_rig *r, fw_checks *cs, int test_frame, fs_err *err)
{
	r->camcfg = cfg->board.camera;
	int rc = fs_camera_open(&r->camcfg, &r->cam, err);
	if (rc) {
		if (test_frame)
			fw_checks_add(cs, log, "camera", 0, "%s", err->msg);
		return rc;
	}
	fs_camera_info info;
	fs_camera_get_info(r->cam, &info);
	r->width = info.width;
	r->height = info.height;
	r->depth = info.depth ? info.depth : 8;
	if (!test_frame)
		return 0;
	fs_image img = {0};
	rc = fs_camera_alloc_frame(r->cam, &img, err);
	if (!rc) {
		rc = fs_camera_set_step(r->cam, cfg->board.steps[0].name, err);
		if (!rc)
			rc = fs_camera_capture(r->cam, cfg->board.capture_timeout_ms, &img, NULL, err);
	}
	fs_image_free(&img);
	if (rc) {
		fw_checks_add(cs, log, "camera", 0, "%s: no test frame: %s", r->camcfg.device, err->msg);
		return rc;
	}
	fw_checks_add(cs, log, "camera", 1, "%s %s: %dx%d %d-bit frame", r->camcfg.backend, info.driver, r->width,
		  r->height, r->depth);
	/* Reopen so that replay and streaming start from a clean state. */
	fs_camera_close(r->cam);
	r->cam = NULL;
	return open_camera(cfg, log, r, cs, 0, err);
}

fw_engine_opts fw_cpu_engine_opts(const fw_config *cfg, int fov_w, int fov_h)
{
	int threads = fw_config_cpu_threads(cfg);
	bool ops = strcmp(cfg->parallel, "tiles") != 0;
	return (fw_engine_opts){
		.name = "cpu", .path = cfg->model_cpu, .expect_sha256 = cfg->model_cpu_sha256,
		.cpu_threads = ops ? 1 : threads, .op_threads = ops ? threads : 1,
		.fov_w = fov_w, .fov_h = fov_h, .overlap = cfg->tile_overlap,
		/* Tile-parallel contexts each hold an arena. */
		.max_arena_bytes = (size_t)cfg->max_arena_mb * 1024 * 1024 / (size_t)(ops ? 1 : threads),
	};
}

static int open_models(const fw_config *cfg, FILE *log, fw_rig *r, fw_checks *cs, fs_err *err)
{
	fw_engine_opts o = fw_cpu_engine_opts(cfg, r->width, r->height);
	int rc = fw_engine_open(&o, &r->cpu, err);
	if (rc) {
		fw_checks_add(cs, log, "model", 0, "%s", err->msg);
		return rc;
	}
	int tw, th;
	fw_engine_tile_size(r->cpu, &tw, &th);
	fw_checks_add(cs, log, "model", 1, "%s sha256 %s%s, tile %dx%d for %dx%d frames, %d CPU thread(s) %s",
		  cfg->model_cpu, fw_engine_sha256(r->cpu), cfg->model_cpu_sha256[0] ? " (matches)" : " (not pinned)",
		  tw, th, r->width, r->height, fw_config_cpu_threads(cfg),
		  strcmp(cfg->parallel, "tiles") ? "inside each invoke" : "on tiles in parallel");

	/* The accelerator, if the board has one and this build drives it: the
	 * same model (or its own) behind the engine's supervised worker. */
	rc = fw_accel_open(&cfg->board, &r->accel_dev, r->accel_note, sizeof r->accel_note, err);
	if (rc) {
		fw_checks_add(cs, log, "accelerator", 0, "%s", err->msg);
		return rc;
	}
	if (r->accel_dev) {
		fw_engine_opts a = {
			.name = fw_accel_name(r->accel_dev),
			.path = cfg->model_accel[0] ? cfg->model_accel : cfg->model_cpu,
			.expect_sha256 = cfg->model_accel[0] ? cfg->model_accel_sha256 : cfg->model_cpu_sha256,
			.backend = fw_accel_backend(r->accel_dev),
			.threaded = 1,
		};
		rc = fw_engine_open(&a, &r->accel, err);
		if (rc) {
			fw_checks_add(cs, log, "model", 0, "accelerator model: %s", err->msg);
			return rc;
		}
	}
	fw_checks_add(cs, log, "accelerator", 1, "%s", r->accel_note);
	return 0;
}

static int check_storage(const fw_config *cfg, FILE *log, fw_checks *cs, const fw_rig *r, const char *dir,
			 fs_err *err)
{
	uint64_t free_b;
	int rc = fw_free_bytes(dir, &free_b, err);
	/* The same need as before each FOV: a run that passes here can hold
	 * one FOV, so restarts on a full card do not pile up empty runs. */
	uint64_t need = fw_record_space_needed(cfg, r->width, r->height, r->depth);
	if (!rc && free_b < need)
		rc = fs_err_set(err, -ENOSPC, "%s: only %.1f MiB free, one FOV needs %.1f MiB with [storage] "
				"min_free_mb = %d", dir, free_b / 1048576.0, need / 1048576.0, cfg->min_free_mb);
	if (!rc) {
		char probe[700];
		snprintf(probe, sizeof probe, "%s/.fieldscope-write-test", dir);
		rc = fw_write_file(probe, "ok\n", 3, err);
		if (!rc)
			unlink(probe);
	}
	if (rc) {
		fw_checks_add(cs, log, "storage", 0, "%s", err->msg);
		return rc;
	}
	fw_checks_add(cs, log, "storage", 1, "%s writable, %.0f MiB free", dir, free_b / 1048576.0);
	return 0;
}

int fw_rig_open(const fw_config *cfg, FILE *log, fw_rig *r, fw_checks *cs, int *blink, fs_err *err)
{
	memset(r, 0, sizeof *r);
	*blink = 0;
	int rc = open_leds(cfg, log, r, cs, err);
	if (rc) {
		*blink = FW_BLINK_LEDS;
		return rc;
	}
	rc = open_camera(cfg, log, r, cs, 1, err);
	if (rc) {
		*blink = FW_BLINK_CAMERA;
		return rc;
	}
	rc = open_models(cfg, log, r, cs, err);
	if (rc) {
		*blink = FW_BLINK_MODEL;
		return rc;
	}
	rc = fw_mkdir_p(cfg->results_dir, err);
	if (!rc)
		rc = check_storage(cfg, log, cs, r, cfg->results_dir, err);
	else
		fw_checks_add(cs, log, "storage", 0, "%s", err->msg);
	if (rc) {
		*blink = FW_BLINK_STORAGE;
		return rc;
	}
	return 0;
}

void fw_rig_close(fw_rig *r, void (*last_look)(const fs_leds *leds, void *user), void *user)
{
	fw_engine_close(r->accel);
	fw_engine_close(r->cpu);
	fw_accel_close(r->accel_dev);   /* after the engine driving it */
	fs_camera_close(r->cam);
	if (r->leds) {
		fs_leds_all_off(r->leds, NULL);
		fs_leds_set_status(r->leds, false, NULL);
		if (last_look)
			last_look(r->leds, user);
		fs_leds_free(r->leds);
	}
	memset(r, 0, sizeof *r);
}
