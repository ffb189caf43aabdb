/* SPDX-License-Identifier: BSD-3-Clause */
/* Semantic checks after parsing: what the key table's ranges cannot say
 * (models exist, steps name patterns, the LED guard covers each step). */
#include "config_priv.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int have_pattern(const fw_board *b, const char *name)
{
	for (int i = 0; i < b->leds.n_patterns; i++)
		if (!strcmp(b->leds.patterns[i].name, name))
			return 1;
	return 0;
}

static int have_step(const fw_board *b, const char *name)
{
	for (int i = 0; i < b->n_steps; i++)
		if (!strcmp(b->steps[i].name, name))
			return 1;
	return 0;
}

int fw_config_check_analysis(const fw_config *cfg, fs_err *err)
{
	if (cfg->connectivity != 4 && cfg->connectivity != 8)
		return fs_err_set(err, -EINVAL, "%s: [segmentation] connectivity = %d: expected 4 or 8",
				  cfg->path[0] ? cfg->path : "--set", cfg->connectivity);
	return 0;
}

int fw_config_check(const fw_config *cfg, fs_err *err)
{
	const fw_board *b = &cfg->board;
	struct stat st;
	int rc = fw_config_check_analysis(cfg, err);
	if (rc)
		return rc;
	if (!cfg->model_cpu[0])
		return fs_err_set(err, -EINVAL, "%s: [model] cpu is empty: the CPU model is required (it is the fallback)",
				  cfg->path);
	if (stat(cfg->model_cpu, &st) != 0 || !S_ISREG(st.st_mode))
		return fs_err_set(err, -ENOENT, "%s: [model] cpu = '%s': no such model file", cfg->path,
				  cfg->model_cpu);
	if (cfg->model_accel[0] && (stat(cfg->model_accel, &st) != 0 || !S_ISREG(st.st_mode)))
		return fs_err_set(err, -ENOENT, "%s: [model] accel = '%s': no such model file", cfg->path,
				  cfg->model_accel);
	if (cfg->trigger == FW_TRIGGER_BUTTON && !b->leds.button[0])
		return fs_err_set(err, -EINVAL, "%s: [acquisition] trigger = button but board %s has no [leds] button",
				  cfg->path, b->path);
	for (int i = 0; i < b->n_steps; i++)
		if (!have_pattern(b, b->steps[i].name))
			return fs_err_set(err, -EINVAL,
					  "%s: [illumination] sequence: step '%s' is not a [leds] pattern.NAME",
					  b->path, b->steps[i].name);
	if (!strcmp(b->segment_input, "dpc")) {
		if (!have_step(b, b->dpc_left) || !have_step(b, b->dpc_right))
			return fs_err_set(err, -EINVAL,
					  "%s: [illumination] segment_input = dpc needs steps '%s' and '%s' in the sequence",
					  b->path, b->dpc_left, b->dpc_right);
	} else if (!have_step(b, b->segment_input)) {
		return fs_err_set(err, -EINVAL,
				  "%s: [illumination] segment_input = '%s': expected dpc or a step of the sequence",
				  b->path, b->segment_input);
	}
	/* The on-time guard must not cut a step's light before its frame is
	 * taken: every limited line of a step covers settle + exposure. */
	unsigned need_ms = (unsigned)b->settle_ms + (unsigned)((b->camera.exposure_us + 999) / 1000);
	for (int i = 0; i < b->n_steps; i++)
		for (int k = 0; k < b->leds.n_patterns; k++) {
			const fs_leds_pattern_cfg *pt = &b->leds.patterns[k];
			if (strcmp(pt->name, b->steps[i].name))
				continue;
			for (int j = 0; j < pt->n_lines; j++) {
				const fs_leds_line_cfg *l = &b->leds.lines[pt->lines[j]];
				if (l->max_on_ms && l->max_on_ms < need_ms)
					return fs_err_set(err, -EINVAL,
							  "%s: [leds] line.%s = %u ms cannot cover step '%s': expected at least "
							  "[illumination] settle_ms %d + [camera] exposure_us %d = %u ms",
							  b->path, l->spec, l->max_on_ms, b->steps[i].name, b->settle_ms,
							  b->camera.exposure_us, need_ms);
			}
		}
	if (!strcmp(b->camera.backend, "file") && !b->camera.device[0])
		return fs_err_set(err, -EINVAL, "%s: [camera] device is empty: the file camera needs a PNG folder",
				  b->path);
	return 0;
}
