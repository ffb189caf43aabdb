/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * accel_sim — the simulated accelerator ("[board] accelerator = sim"): the
 * fsnn CPU kernels behind the engine's supervised worker, with injectable
 * hangs so the fault paths (deadline, reset, CPU fallback) run without
 * hardware. Its board section:
 *   [sim] hang_from = N    invocations from the N-th (1-based; 0 = never)
 *                          hang until the backend is reset
 *         hang_count = M   how many of them hang (-1 = all)
 */
#ifndef FW_ACCEL_SIM_H
#define FW_ACCEL_SIM_H

#include "accel.h"

extern const fw_accel_provider fw_accel_sim_provider;

/* Direct use (tests): a simulated backend with these hang settings. */
typedef struct fw_accel_sim fw_accel_sim;
int fw_accel_sim_new(int hang_from, int hang_count, fw_accel_sim **out, fs_err *err);
const fw_engine_backend *fw_accel_sim_backend(fw_accel_sim *s);
/* Invocations that hung so far. */
long fw_accel_sim_hangs(fw_accel_sim *s);
void fw_accel_sim_free(fw_accel_sim *s);

#endif
