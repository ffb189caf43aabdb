/* SPDX-License-Identifier: BSD-3-Clause */
/* drivers/leds against the in-process "sim" backend (and the gpiod
 * backend's errors on a machine without GPIO chips). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "leds/leds.h"
#include "leds/leds_gpiod.h"
#include "leds/leds_sim.h"

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* A DPC board: four halves, brightfield = all four, one fluorescence LED. */
static void dpc_board(fs_leds_config *cfg)
{
	fs_err e;
	fs_leds_config_init(cfg, "sim");
	fs_leds_config_pattern(cfg, "dpc-left", "led-left", &e);
	fs_leds_config_pattern(cfg, "dpc-right", "led-right", &e);
	fs_leds_config_pattern(cfg, "dpc-top", "led-top", &e);
	fs_leds_config_pattern(cfg, "dpc-bottom", "led-bottom", &e);
	fs_leds_config_pattern(cfg, "brightfield", "led-left, led-right,led-top , led-bottom", &e);
	fs_leds_config_line(cfg, "led-fluo-405", false, 60, &e);
	fs_leds_config_pattern(cfg, "fluo-405", "led-fluo-405", &e);
	snprintf(cfg->status, sizeof cfg->status, "led-status");
	snprintf(cfg->button, sizeof cfg->button, "button");
	cfg->button_active_low = true;
	cfg->debounce_ms = 20;
}

int main(void)
{
	check_state s = {0};
	fs_err e;
	fs_leds_config cfg;
	fs_leds *l = NULL;

	check_begin(&s, "leds_config_parse");
	dpc_board(&cfg);
	CHECK(&s, cfg.n_lines == 5, "lines %d, expected 5 (dedup across patterns)", cfg.n_lines);
	CHECK(&s, cfg.n_patterns == 6, "patterns %d", cfg.n_patterns);
	CHECK(&s, cfg.patterns[4].n_lines == 4, "brightfield has %d lines", cfg.patterns[4].n_lines);
	CHECK(&s, fs_leds_config_pattern(&cfg, "dpc-left", "x", &e) == -EEXIST, "duplicate pattern accepted");
	CHECK(&s, fs_leds_config_pattern(&cfg, "empty", " , ", &e) == -EINVAL, "empty pattern accepted");
	CHECK(&s, strstr(e.msg, "empty") != NULL, "message: %s", e.msg);
	check_end(&s);

	check_begin(&s, "leds_sim_patterns");
	dpc_board(&cfg);
	int rc = fs_leds_new(&cfg, &l, &e);
	CHECK(&s, rc == 0, "new: %s", e.msg);
	if (rc == 0) {
		CHECK(&s, fs_leds_current(l) == NULL, "lit at start");
		CHECK(&s, fs_leds_set_pattern(l, "dpc-left", &e) == 0, "set: %s", e.msg);
		CHECK(&s, fs_leds_sim_lit(l, "led-left") == 1 && fs_leds_sim_lit(l, "led-right") == 0,
		      "dpc-left wrong");
		CHECK(&s, fs_leds_set_pattern(l, "brightfield", &e) == 0, "set: %s", e.msg);
		int lit = 0;
		const char *all[] = { "led-left", "led-right", "led-top", "led-bottom", "led-fluo-405" };
		for (int i = 0; i < 5; i++)
			lit += fs_leds_sim_lit(l, all[i]) == 1;
		CHECK(&s, lit == 4 && fs_leds_sim_lit(l, "led-fluo-405") == 0, "brightfield lit %d", lit);
		/* Switching: every off must come before any on. */
		fs_leds_sim_change h[64];
		int n0 = fs_leds_sim_history(l, h, 64);
		CHECK(&s, fs_leds_set_pattern(l, "fluo-405", &e) == 0, "set: %s", e.msg);
		int n1 = fs_leds_sim_history(l, h, 64);
		CHECK(&s, n1 - n0 == 5, "%d changes, expected 4 off + 1 on", n1 - n0);
		for (int i = n0; i < n1 - 1 && i < 63; i++)
			CHECK(&s, !h[i].lit, "change %d switches on before the others are off", i);
		CHECK(&s, strcmp(fs_leds_current(l), "fluo-405") == 0, "current %s", fs_leds_current(l));
		CHECK(&s, fs_leds_all_off(l, &e) == 0 && fs_leds_current(l) == NULL, "all_off");
		CHECK(&s, fs_leds_sim_lit(l, "led-fluo-405") == 0, "fluo still lit");
		CHECK(&s, fs_leds_set_status(l, true, &e) == 0 && fs_leds_sim_lit(l, "led-status") == 1,
		      "status LED");
		CHECK(&s, fs_leds_pattern_count(l) == 6 && !strcmp(fs_leds_pattern_name(l, 0), "dpc-left"),
		      "pattern listing");
	}
	check_end(&s);

	check_begin(&s, "leds_unknown_pattern_goes_dark");
	if (l) {
		fs_leds_set_pattern(l, "dpc-top", &e);
		rc = fs_leds_set_pattern(l, "dpc-diagonal", &e);
		CHECK(&s, rc == -ENOENT, "rc %d", rc);
		CHECK(&s, strstr(e.msg, "dpc-diagonal") && strstr(e.msg, "brightfield"), "message: %s", e.msg);
		CHECK(&s, fs_leds_sim_lit(l, "led-top") == 0 && fs_leds_current(l) == NULL, "still lit after error");
	}
	check_end(&s);

	check_begin(&s, "leds_max_on_time");
	if (l) {
		CHECK(&s, fs_leds_set_pattern(l, "fluo-405", &e) == 0, "set: %s", e.msg);
		sleep_ms(20);
		CHECK(&s, fs_leds_sim_lit(l, "led-fluo-405") == 1, "cut too early");
		sleep_ms(150);
		CHECK(&s, fs_leds_sim_lit(l, "led-fluo-405") == 0, "not cut after max_on_ms");
		CHECK(&s, fs_leds_overtime_count(l) == 1, "overtime %u", fs_leds_overtime_count(l));
		CHECK(&s, fs_leds_current(l) == NULL, "current still %s", fs_leds_current(l));
		/* Brightfield has no limit: stays on. */
		fs_leds_set_pattern(l, "brightfield", &e);
		sleep_ms(100);
		CHECK(&s, fs_leds_sim_lit(l, "led-left") == 1, "unlimited line cut");
	}
	check_end(&s);

	check_begin(&s, "leds_button_debounce");
	if (l) {
		fs_button_event ev;
		CHECK(&s, fs_leds_button_get(l, &e) == 0, "pressed at start");
		CHECK(&s, fs_leds_button_wait(l, 10, &ev, &e) == 0, "event without edges");
		/* Active-low press with contact bounce. */
		fs_leds_sim_button_pin(l, false, &e);
		fs_leds_sim_button_pin(l, true, &e);
		fs_leds_sim_button_pin(l, false, &e);
		fs_leds_sim_button_pin(l, true, &e);
		fs_leds_sim_button_pin(l, false, &e);
		rc = fs_leds_button_wait(l, 200, &ev, &e);
		CHECK(&s, rc == 1 && ev.pressed, "press: rc %d pressed %d", rc, ev.pressed);
		CHECK(&s, fs_leds_button_wait(l, 50, &ev, &e) == 0, "bounces produced a second event");
		/* A glitch shorter than the debounce time. */
		fs_leds_sim_button_pin(l, true, &e);
		fs_leds_sim_button_pin(l, false, &e);
		CHECK(&s, fs_leds_button_wait(l, 60, &ev, &e) == 0, "glitch reported");
		fs_leds_sim_button_pin(l, true, &e);
		rc = fs_leds_button_wait(l, 200, &ev, &e);
		CHECK(&s, rc == 1 && !ev.pressed, "release: rc %d", rc);
	}
	check_end(&s);
	fs_leds_free(l);
	l = NULL;

	check_begin(&s, "leds_unknown_line_lists_names");
	fs_leds_config_init(&cfg, "sim");
	fs_leds_config_pattern(&cfg, "brightfield", "led-white", &e);
	fs_leds_sim_opts chips;
	memset(&chips, 0, sizeof chips);
	cfg.backend_opts = &chips;
	chips.n_chips = 2;
	snprintf(chips.chips[0].name, FS_LEDS_NAME_MAX, "gpiochip0");
	chips.chips[0].n_lines = 3;
	snprintf(chips.chips[0].line_names[0], FS_LEDS_NAME_MAX, "led-red");
	snprintf(chips.chips[1].name, FS_LEDS_NAME_MAX, "gpiochip1");
	chips.chips[1].n_lines = 1;
	snprintf(chips.chips[1].line_names[0], FS_LEDS_NAME_MAX, "led-blue");
	rc = fs_leds_new(&cfg, &l, &e);
	CHECK(&s, rc == -ENOENT && !l, "rc %d", rc);
	CHECK(&s, strstr(e.msg, "led-white") && strstr(e.msg, "gpiochip0 [led-red +2 unnamed]") &&
		  strstr(e.msg, "gpiochip1 [led-blue]"), "message: %s", e.msg);
	check_end(&s);

	check_begin(&s, "leds_chip_offset");
	fs_leds_config_init(&cfg, "sim");
	memset(&chips, 0, sizeof chips);
	cfg.backend_opts = &chips;
	chips.n_chips = 1;
	snprintf(chips.chips[0].name, FS_LEDS_NAME_MAX, "gpiochip0");
	chips.chips[0].n_lines = 4;
	fs_leds_config_pattern(&cfg, "brightfield", "gpiochip0:3", &e);
	rc = fs_leds_new(&cfg, &l, &e);
	CHECK(&s, rc == 0, "by offset: %s", e.msg);
	if (l) {
		fs_leds_set_pattern(l, "brightfield", &e);
		CHECK(&s, fs_leds_sim_lit(l, "gpiochip0:3") == 1, "not lit");
	}
	fs_leds_free(l);
	l = NULL;
	fs_leds_config_pattern(&cfg, "dpc-left", "gpiochip0:9", &e);
	rc = fs_leds_new(&cfg, &l, &e);
	CHECK(&s, rc == -EINVAL && strstr(e.msg, "0..3"), "offset out of range: rc %d %s", rc, e.msg);
	check_end(&s);

	check_begin(&s, "leds_backend_errors");
	fs_leds_config_init(&cfg, "pwm");
	rc = fs_leds_new(&cfg, &l, &e);
	CHECK(&s, rc == -EINVAL && strstr(e.msg, "pwm"), "unknown backend: %s", e.msg);
	fs_leds_config_init(&cfg, "sim");
	rc = fs_leds_new(&cfg, &l, &e);
	CHECK(&s, rc == 0, "board without LEDs: %s", e.msg);
	if (l) {
		CHECK(&s, fs_leds_set_status(l, true, &e) == -ENOTSUP, "status on a board without one");
		CHECK(&s, fs_leds_button_get(l, &e) == -ENOTSUP, "button on a board without one");
	}
	fs_leds_free(l);
	l = NULL;
	check_end(&s);

	/* On a machine without /dev/gpiochip* the gpiod backend must fail
	 * with a message, not crash. (The VM tier tests it for real.) */
	check_begin(&s, "leds_gpiod_no_chip");
	fs_leds_config_init(&cfg, "gpiod");
	fs_leds_config_pattern(&cfg, "brightfield", "led-nowhere", &e);
	fs_leds_gpiod_opts gopts = {.no_guard_process = true};
	cfg.backend_opts = &gopts;
	rc = fs_leds_new(&cfg, &l, &e);
	CHECK(&s, rc < 0 && !l && strstr(e.msg, "led-nowhere"), "rc %d: %s", rc, e.msg);
	fs_leds_free(l);
	check_end(&s);

	return check_exit(&s);
}
