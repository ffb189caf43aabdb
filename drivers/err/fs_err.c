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
	snprintf(err->msg, sizeof err->msg, "%s%s", prefix, old);
	return err->code;
}

void fs_err_clear(fs_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
