/* SPDX-License-Identifier: BSD-3-Clause */
/* The build's git commit, kept in one object file so a new commit rebuilds
 * only this file (firmware/module.mk passes FW_GIT_COMMIT). */
#include "util.h"

#ifndef FW_GIT_COMMIT
#define FW_GIT_COMMIT "unknown"
#endif

const char *fw_git_commit(void)
{
	return FW_GIT_COMMIT;
}
