/* SPDX-License-Identifier: BSD-3-Clause */
/* What only the simulated board does in a run (see hooks.h). Its LED
 * backend's inspection functions are reached here and nowhere else in the
 * firmware, so the production path carries no simulation. */
#include "loop_priv.h"

#include <signal.h>
#include <string.h>

#include "leds/leds_sim.h"
#include "store/store.h"
#include "util/util.h"

/* A person pressing the simulated board's button; released 100 ms later. */
static double sim_press(fs_leds *leds, const fs_leds_config *lc)
{
	if (!lc->button[0])
		return 0;
	fs_leds_sim_button_pin(leds, !lc->button_active_low, NULL);
	return fw_now_ms() + 100;
}

static void sim_release(fs_leds *leds, const fs_leds_config *lc)
{
	fs_leds_sim_button_pin(leds, lc->button_active_low, NULL);
}

/* The simulated board's record of every line at exit. */
static void sim_json(FILE *o, const fs_leds *leds, const fs_leds_config *lc)
{
	fputs(",\n  \"sim_leds_at_exit\": {", o);
	int first = 1;
	for (int i = 0; i < lc->n_lines; i++) {
		fprintf(o, "%s", first ? "" : ", ");
		fw_json_str(o, lc->lines[i].spec);
		fprintf(o, ": %d", fs_leds_sim_lit(leds, lc->lines[i].spec));
		first = 0;
	}
	if (lc->status[0]) {
		fprintf(o, "%s", first ? "" : ", ");
		fw_json_str(o, lc->status);
		fprintf(o, ": %d", fs_leds_sim_lit(leds, lc->status));
	}
	fprintf(o, "},\n  \"sim_led_changes\": %d", fs_leds_sim_history(leds, NULL, 0));
}

/* Every line as the program lets go of them, on every exit path (tests
 * read it). */
static void sim_log(FILE *log, const fs_leds *leds, const fs_leds_config *lc)
{
	char line[1024];
	size_t n = 0;
	for (int i = 0; i <= lc->n_lines && n < sizeof line; i++) {
		const char *spec = i < lc->n_lines ? lc->lines[i].spec : lc->status;
		if (!*spec)
			continue;
		n += (size_t)snprintf(line + n, sizeof line - n, " %s=%d", spec, fs_leds_sim_lit(leds, spec));
	}
	/* Status LED pulses (self-test toggle + blink codes), from the record. */
	fs_leds_sim_change ch[256];
	int total = fs_leds_sim_history(leds, ch, 256), pulses = 0;
	for (int i = 0; i < total && i < 256; i++)
		pulses += ch[i].line == -1 && ch[i].lit;
	fw_log(log, "sim LEDs at exit:%s (status LED lit %d time(s))", line, pulses);
}

static const fw_board_hooks sim_hooks = {
	.leds_backend = "sim",
	.signal = SIGUSR1,
	.on_signal = sim_press,
	.on_due = sim_release,
	.write_json = sim_json,
	.log_exit = sim_log,
};

static const fw_board_hooks *const all_hooks[] = {&sim_hooks};

const fw_board_hooks *fw_board_hooks_find(const char *leds_backend)
{
	for (size_t i = 0; i < sizeof all_hooks / sizeof all_hooks[0]; i++)
		if (!strcmp(all_hooks[i]->leds_backend, leds_backend))
			return all_hooks[i];
	return NULL;
}
