/* SPDX-License-Identifier: BSD-3-Clause */
/* drivers/camera against the "file" replay backend, plus the errors of the
 * hardware backends on a machine without cameras. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "camera/camera.h"
#include "check.h"

/* Writes a w x h 8-bit grey PNG filled with v. */
static int write_png(const char *path, int w, int h, int v)
{
	fs_image img;
	fs_err e;
	if (fs_image_alloc(&img, w, h, 1, 8, &e) < 0)
		return -1;
	for (int y = 0; y < h; y++)
		memset(img.data + (size_t)y * img.stride, v, (size_t)w);
	int rc = fs_png_write(path, &img, 1, &e);
	fs_image_free(&img);
	return rc;
}

static void rm_rf(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0) { /* leftovers in /tmp are harmless */ }
}

int main(void)
{
	check_state s = {0};
	fs_err e;
	char dir[] = "/tmp/fs-camtest-XXXXXX";
	if (!mkdtemp(dir)) {
		printf("FAIL camera_setup: mkdtemp\n");
		return 1;
	}
	char p[512];
	char flat[300], steps[300], empty[300];
	snprintf(flat, sizeof flat, "%s/flat", dir);
	snprintf(steps, sizeof steps, "%s/steps", dir);
	snprintf(empty, sizeof empty, "%s/empty", dir);
	mkdir(flat, 0755);
	mkdir(steps, 0755);
	mkdir(empty, 0755);
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/frame_%02d.png", flat, i);
		write_png(p, 16, 8, 10 + i);
	}
	const char *st[] = { "dpc-left", "dpc-right" };
	for (int k = 0; k < 2; k++) {
		snprintf(p, sizeof p, "%s/%s", steps, st[k]);
		mkdir(p, 0755);
		for (int i = 0; i < 2; i++) {
			snprintf(p, sizeof p, "%s/%s/%d.png", steps, st[k], i);
			write_png(p, 16, 8, 100 * (k + 1) + i);
		}
	}

	fs_camera_config cfg;
	fs_camera *cam = NULL;
	fs_image img = {0};

	check_begin(&s, "camera_file_replay");
	fs_camera_config_init(&cfg, "file", flat);
	int rc = fs_camera_open(&cfg, &cam, &e);
	CHECK(&s, rc == 0, "open: %s", e.msg);
	if (rc == 0) {
		fs_camera_info info;
		fs_camera_get_info(cam, &info);
		CHECK(&s, info.width == 16 && info.height == 8 && info.depth == 8, "info %dx%d/%d", info.width,
		      info.height, info.depth);
		CHECK(&s, fs_camera_alloc_frame(cam, &img, &e) == 0, "alloc: %s", e.msg);
		fs_frame_meta m;
		for (int i = 0; i < 4; i++) {
			rc = fs_camera_capture(cam, 100, &img, &m, &e);
			CHECK(&s, rc == 0, "capture %d: %s", i, e.msg);
			CHECK(&s, img.data[0] == 10 + i % 3 && m.sequence == (uint32_t)i, "frame %d value %d seq %u", i,
			      img.data[0], m.sequence);
		}
		CHECK(&s, strstr(m.source, "frame_00.png") != NULL, "source %s (replay should loop)", m.source);
		CHECK(&s, fs_camera_set_step(cam, "anything", &e) == 0, "combined images ignore the step");
		fs_image wrong;
		fs_image_alloc(&wrong, 8, 8, 1, 8, &e);
		rc = fs_camera_capture(cam, 100, &wrong, NULL, &e);
		CHECK(&s, rc == -EINVAL && strstr(e.msg, "expected 16x8"), "wrong buffer: %s", e.msg);
		fs_image_free(&wrong);
	}
	fs_image_free(&img);
	fs_camera_close(cam);
	cam = NULL;
	check_end(&s);

	check_begin(&s, "camera_file_once_16bit");
	fs_camera_config_init(&cfg, "file", flat);
	cfg.replay_once = true;
	cfg.depth = 16;
	rc = fs_camera_open(&cfg, &cam, &e);
	CHECK(&s, rc == 0, "open: %s", e.msg);
	if (rc == 0) {
		fs_camera_alloc_frame(cam, &img, &e);
		for (int i = 0; i < 3; i++)
			CHECK(&s, fs_camera_capture(cam, 100, &img, NULL, &e) == 0, "capture: %s", e.msg);
		uint16_t v = ((uint16_t *)(void *)img.data)[0];
		CHECK(&s, v == 12 * 257, "16-bit value %u, expected %u", v, 12 * 257);
		rc = fs_camera_capture(cam, 100, &img, NULL, &e);
		CHECK(&s, rc == FS_CAMERA_END, "end: rc %d %s", rc, e.msg);
	}
	fs_image_free(&img);
	fs_camera_close(cam);
	cam = NULL;
	check_end(&s);

	check_begin(&s, "camera_file_steps");
	fs_camera_config_init(&cfg, "file", steps);
	rc = fs_camera_open(&cfg, &cam, &e);
	CHECK(&s, rc == 0, "open: %s", e.msg);
	if (rc == 0) {
		fs_camera_alloc_frame(cam, &img, &e);
		int want[] = { 100, 200, 101, 201 };
		for (int i = 0; i < 4; i++) {
			CHECK(&s, fs_camera_set_step(cam, st[i % 2], &e) == 0, "step: %s", e.msg);
			CHECK(&s, fs_camera_capture(cam, 100, &img, NULL, &e) == 0, "capture: %s", e.msg);
			CHECK(&s, img.data[0] == want[i], "frame %d value %d, expected %d", i, img.data[0], want[i]);
		}
		rc = fs_camera_set_step(cam, "fluo-405", &e);
		CHECK(&s, rc == -ENOENT && strstr(e.msg, "dpc-left, dpc-right"), "unknown step: %s", e.msg);
	}
	fs_image_free(&img);
	fs_camera_close(cam);
	cam = NULL;
	check_end(&s);

	check_begin(&s, "camera_file_errors");
	fs_camera_config_init(&cfg, "file", empty);
	rc = fs_camera_open(&cfg, &cam, &e);
	CHECK(&s, rc == -ENOENT && strstr(e.msg, empty), "empty folder: %d %s", rc, e.msg);
	fs_camera_config_init(&cfg, "file", flat);
	cfg.width = 640;
	cfg.height = 480;
	rc = fs_camera_open(&cfg, &cam, &e);
	CHECK(&s, rc == -EINVAL && strstr(e.msg, "16x8"), "size mismatch: %s", e.msg);
	fs_camera_config_init(&cfg, "file", "/nonexistent/folder");
	rc = fs_camera_open(&cfg, &cam, &e);
	CHECK(&s, rc == -ENOENT && strstr(e.msg, "/nonexistent/folder"), "missing folder: %s", e.msg);
	fs_camera_config_init(&cfg, "gige", "x");
	rc = fs_camera_open(&cfg, &cam, &e);
	CHECK(&s, rc == -EINVAL && strstr(e.msg, "gige"), "unknown backend: %s", e.msg);
	fs_camera_config_init(&cfg, "file", flat);
	cfg.depth = 12;
	rc = fs_camera_open(&cfg, &cam, &e);
	CHECK(&s, rc == -EINVAL && strstr(e.msg, "8 or 16"), "depth 12: %s", e.msg);
	CHECK(&s, cam == NULL, "camera returned on error");
	check_end(&s);

	/* The loop reopens on FS_CAMERA_GONE, so a missing node must say so. */
	check_begin(&s, "camera_v4l2_missing_is_gone");
	fs_camera_config_init(&cfg, "v4l2", "/dev/video-fieldscope-none");
	rc = fs_camera_open(&cfg, &cam, &e);
	CHECK(&s, rc == FS_CAMERA_GONE && strstr(e.msg, "video-fieldscope-none"), "rc %d: %s", rc, e.msg);
	fs_camera_config_init(&cfg, "v4l2", "/dev/null");
	rc = fs_camera_open(&cfg, &cam, &e);
	CHECK(&s, rc == -ENOTTY && strstr(e.msg, "not a V4L2 device"), "/dev/null: rc %d %s", rc, e.msg);
	check_end(&s);

	rm_rf(dir);
	return check_exit(&s);
}
