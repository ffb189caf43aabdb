/* SPDX-License-Identifier: BSD-3-Clause */
#include "fs_err.h"

#include <stdio.h>
#include <string.h>

int fs_err_setv(fs_err *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	}
	return code;
}

int fs_err_set(fs_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fs_err_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int fs_err_prefix(fs_err *err, const char *fmt, ...)
{
	if (!err)
		return 0;
	char prefix[FS_ERR_MSG_MAX], old[FS_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	old[sizeof old - 1] = '\0';
	/* Truncation is acceptable: the message stays readable. */
	size_t np = strnlen(prefix, sizeof err->msg - 1);
	size_t no = strnlen(old, sizeof err->msg - 1 - np);
	memcpy(err->msg, prefix, np);
	memcpy(err->msg + np, old, no);
	err->msg[np + no] = '\0';
	return err->code;
}

void fs_err_clear(fs_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
