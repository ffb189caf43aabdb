/* SPDX-License-Identifier: BSD-3-Clause */
/* fieldscope.conf and board files: every error is one line naming the
 * file:line, key, value and what is allowed. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "accel/accel.h"
#include "config/config.h"

static int parse(const char *text, fw_config *cfg, fs_err *e)
{
	fw_config_defaults(cfg);
	fs_err_clear(e);
	return fw_config_parse(text, "t.conf", "/base", cfg, e);
}

static void expect_err(check_state *cs, const char *name, const char *text, const char *want1,
		       const char *want2)
{
	fw_config cfg;
	fs_err e;
	check_begin(cs, name);
	int rc = parse(text, &cfg, &e);
	CHECK(cs, rc < 0, "accepted bad config");
	CHECK(cs, strstr(e.msg, want1) && (!want2 || strstr(e.msg, want2)), "message '%s' lacks '%s'/'%s'", e.msg,
	      want1, want2 ? want2 : "");
	CHECK(cs, !strchr(e.msg, '\n'), "message must be one line: '%s'", e.msg);
	check_end(cs);
}

int main(void)
{
	check_state cs = {0};
	fw_config cfg;
	fs_err e;

	check_begin(&cs, "config_defaults_and_values");
	int rc = parse("# comment\n[model]\ncpu = m.tflite   # trailing comment\n"
		       "cpu_sha256 = ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n"
		       "[segmentation]\nthreshold = 0.25\n[acquisition]\ntrigger = interval\ninterval_s = 2.5\n"
		       "[storage]\nsave_raw = no\n", &cfg, &e);
	CHECK(&cs, rc == 0, "%s", e.msg);
	CHECK(&cs, !strcmp(cfg.model_cpu, "/base/m.tflite"), "relative path not resolved: %s", cfg.model_cpu);
	CHECK(&cs, !strncmp(cfg.model_cpu_sha256, "abcdef01", 8), "sha not lower-cased: %s", cfg.model_cpu_sha256);
	CHECK(&cs, cfg.threshold == 0.25 && cfg.trigger == FW_TRIGGER_INTERVAL && cfg.interval_s == 2.5, "values");
	CHECK(&cs, !cfg.save_raw && cfg.tile_overlap == 64 && cfg.connectivity == 4, "defaults");
	check_end(&cs);

	expect_err(&cs, "config_unknown_key", "[segmentation]\ntreshold = 0.5\n", "t.conf:2", "unknown key 'treshold'");
	expect_err(&cs, "config_unknown_section", "[segmentatoin]\n", "t.conf:1", "unknown section");
	expect_err(&cs, "config_bad_number", "\n[segmentation]\nthreshold = 1.5\n", "t.conf:3", "0..1");
	expect_err(&cs, "config_bad_int", "[segmentation]\ntile_overlap = 12px\n", "tile_overlap = '12px'", "integer");
	expect_err(&cs, "config_bad_enum", "[acquisition]\ntrigger = sometimes\n", "sometimes",
		   "continuous|interval|button");
	expect_err(&cs, "config_bad_sha", "[model]\ncpu_sha256 = 1234\n", "cpu_sha256", "64 hex digits");
	expect_err(&cs, "config_bad_bool", "[storage]\nsave_raw = maybe\n", "save_raw", "true or false");
	expect_err(&cs, "config_no_equals", "[storage]\nsave_raw\n", "t.conf:2", "key = value");
	expect_err(&cs, "config_key_before_section", "threshold = 1\n", "t.conf:1", "before any [section]");

	/* Issue 12 item 1: a NUL or control byte is an error at its line, not
	 * the silent end of the file; repeats are errors, not "last wins". */
	{
		static const char nul_text[] = "[segmentation]\nthreshold = 0.5\0\n[model]\ncpu_sha256 = zz\n";
		fw_config_defaults(&cfg);
		fs_err_clear(&e);
		check_begin(&cs, "config_nul_byte_rejected");
		rc = fw_config_parse_mem(nul_text, sizeof nul_text - 1, "t.conf", "/base", &cfg, &e);
		CHECK(&cs, rc < 0 && strstr(e.msg, "t.conf:2") && strstr(e.msg, "0x00"), "rc %d '%s'", rc, e.msg);
		check_end(&cs);
		char path[] = "/tmp/fs-test-config-XXXXXX";
		int fd = mkstemp(path);
		check_begin(&cs, "config_nul_byte_in_file");
		CHECK(&cs, fd >= 0 && write(fd, nul_text, sizeof nul_text - 1) == (ssize_t)(sizeof nul_text - 1),
		      "temp file");
		if (fd >= 0)
			close(fd);
		rc = fw_config_load(path, &cfg, &e);
		CHECK(&cs, rc < 0 && strstr(e.msg, path) && strstr(e.msg, ":2") && strstr(e.msg, "control character"),
		      "rc %d '%s'", rc, e.msg);
		unlink(path);
		check_end(&cs);
	}
	expect_err(&cs, "config_control_byte", "[segmentation]\nthreshold = 0.5\x1b[2K\n", "t.conf:2", "0x1b");
	expect_err(&cs, "config_duplicate_key", "[segmentation]\nthreshold = 0.5\nthreshold = 0.6\n", "t.conf:3",
		   "repeated (first at line 2)");
	expect_err(&cs, "config_duplicate_section", "[segmentation]\nthreshold = 0.5\n[storage]\n[segmentation]\n",
		   "t.conf:4", "section [segmentation] repeated");
	check_begin(&cs, "config_crlf_accepted");
	rc = parse("[segmentation]\r\nthreshold = 0.25\r\n", &cfg, &e);
	CHECK(&cs, rc == 0 && cfg.threshold == 0.25, "%s", e.msg);
	check_end(&cs);

	check_begin(&cs, "config_set_override");
	fw_config_defaults(&cfg);
	snprintf(cfg.path, sizeof cfg.path, "main.conf");
	rc = fw_config_set(&cfg, "segmentation.threshold=0.75", "/cwd", &e);
	CHECK(&cs, rc == 0 && cfg.threshold == 0.75 && !strcmp(cfg.path, "main.conf"), "rc %d %s", rc, e.msg);
	check_end(&cs);
	check_begin(&cs, "config_set_newline_injection");
	rc = fw_config_set(&cfg, "segmentation.threshold=0.5\n[board]\nname = evil", "/cwd", &e);
	CHECK(&cs, rc < 0 && strstr(e.msg, "0x0a") && strstr(e.msg, "--set"), "rc %d '%s'", rc, e.msg);
	CHECK(&cs, !strchr(e.msg, '\n'), "message must be one line");
	rc = fw_config_set(&cfg, " board .name=evil", "/cwd", &e);
	CHECK(&cs, rc < 0 && strstr(e.msg, "[board]"), "spaced board section accepted: '%s'", e.msg);
	rc = fw_config_set(&cfg, "segmentation]\x01.x=1", "/cwd", &e);
	CHECK(&cs, rc < 0, "control byte in section accepted");
	check_end(&cs);

	/* Semantic checks: missing model, steps vs patterns. */
	check_begin(&cs, "config_missing_model");
	parse("[model]\ncpu = /nonexistent/model.tflite\n", &cfg, &e);
	fw_board_parse("[leds]\npattern.bf = l1\n[illumination]\nsequence = bf\nsegment_input = bf\n"
		       "[camera]\ndevice = /tmp\n", "b.conf", "/", &cfg.board, &e);
	rc = fw_config_check(&cfg, &e);
	CHECK(&cs, rc < 0 && strstr(e.msg, "/nonexistent/model.tflite") && strstr(e.msg, "no such model"),
	      "got '%s'", e.msg);
	check_end(&cs);

	check_begin(&cs, "board_parse_and_checks");
	fw_board b;
	rc = fw_board_parse("[board]\nname = x\npixel_size_um = 0.3\n[camera]\nbackend = file\ndevice = imgs\n"
			    "[leds]\nbackend = sim\npattern.dpc_left = a\npattern.dpc_right = b\nstatus = s\n"
			    "button = btn, active_low\n[illumination]\nsequence = dpc_left, dpc_right\n",
			    "b.conf", "/boards", &b, &e);
	CHECK(&cs, rc == 0, "%s", e.msg);
	CHECK(&cs, b.n_steps == 2 && !strcmp(b.steps[1].name, "dpc_right"), "steps");
	CHECK(&cs, !strcmp(b.camera.device, "/boards/imgs"), "device path %s", b.camera.device);
	CHECK(&cs, b.leds.n_patterns == 2 && b.leds.button_active_low && !strcmp(b.leds.status, "s"), "leds");
	rc = fw_board_parse("[illumination]\nsequence = a, b c\n", "b.conf", "/", &b, &e);
	CHECK(&cs, rc < 0 && strstr(e.msg, "b.conf:2") && strstr(e.msg, "'b c'"), "bad step name: '%s'", e.msg);
	rc = fw_board_parse("[leds]\nfoo = 1\n", "b.conf", "/", &b, &e);
	CHECK(&cs, rc < 0 && strstr(e.msg, "unknown key 'foo' in [leds]"), "got '%s'", e.msg);
	rc = fw_board_parse("[board]\naccelerator = tpu9000\n", "b.conf", "/", &b, &e);
	CHECK(&cs, rc < 0 && strstr(e.msg, "none|edgetpu|sim"), "got '%s'", e.msg);
	/* a step that is not a pattern */
	fw_config_defaults(&cfg);
	snprintf(cfg.model_cpu, sizeof cfg.model_cpu, "%s", "/proc/self/exe");
	fw_board_parse("[leds]\npattern.bf = l1\n[illumination]\nsequence = bf, fluo\nsegment_input = bf\n"
		       "[camera]\ndevice = /tmp\n", "b.conf", "/", &cfg.board, &e);
	rc = fw_config_check(&cfg, &e);
	CHECK(&cs, rc < 0 && strstr(e.msg, "'fluo'"), "got '%s'", e.msg);
	check_end(&cs);

	check_begin(&cs, "config_load_missing_file");
	rc = fw_config_load("/nonexistent/fieldscope.conf", &cfg, &e);
	CHECK(&cs, rc < 0 && strstr(e.msg, "/nonexistent/fieldscope.conf"), "got '%s'", e.msg);
	check_end(&cs);

	/* Backend sections are kept by name, and the accelerator table picks
	 * the provider by [board] accelerator. */
	check_begin(&cs, "board_backend_section_and_accelerator_table");
	{
		fw_board b;
		char note[400];
		fw_accel *acc = NULL;
		int rc = fw_board_parse("[board]\naccelerator = sim\n[sim]\nhang_from = 3\n"
					"[illumination]\nsequence = bf\n", "b.conf", "/", &b, &e);
		CHECK(&cs, rc == 0, "%s", e.msg);
		CHECK(&cs, fw_board_opt_int(&b, "sim", "hang_from", 0) == 3 &&
			   fw_board_opt_int(&b, "sim", "hang_count", 0) == -1 &&
			   fw_board_opt_int(&b, "sim", "nothing", 7) == 7, "options from [sim] and defaults");
		rc = fw_accel_open(&b, &acc, note, sizeof note, &e);
		CHECK(&cs, rc == 0 && acc && !strcmp(fw_accel_name(acc), "sim") && strstr(note, "simulated"),
		      "sim provider: %d %s", rc, note);
		fw_accel_close(acc);
		acc = NULL;
		snprintf(b.accelerator, sizeof b.accelerator, "edgetpu");
		rc = fw_accel_open(&b, &acc, note, sizeof note, &e);
		CHECK(&cs, rc == 0 && !acc && strstr(note, "edgetpu") && strstr(note, "CPU"), "absent: %d %s", rc, note);
		snprintf(b.accelerator, sizeof b.accelerator, "none");
		rc = fw_accel_open(&b, &acc, note, sizeof note, &e);
		CHECK(&cs, rc == 0 && !acc && strstr(note, "no accelerator"), "none: %d %s", rc, note);
	}
	check_end(&cs);

	check_begin(&cs, "config_doc_lists_every_key");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fw_config_print_doc(f);
	fclose(f);
	CHECK(&cs, strstr(buf, "inference_deadline_ms") && strstr(buf, "default: 10000") && strstr(buf, "pixel_size_um"),
	      "doc incomplete");
	free(buf);
	check_end(&cs);
	return check_exit(&cs);
}
