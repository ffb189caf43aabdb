/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fs_err — the error value used by drivers/ and firmware/: a negative
 * errno-style code plus a message that names the file, device or field and
 * what was expected (libusb/libgpiod style).
 */
#ifndef FS_ERR_H
#define FS_ERR_H

#include <stdarg.h>

#define FS_ERR_MSG_MAX 512

typedef struct fs_err {
	int code;                 /* 0 = no error, otherwise -errno style */
	char msg[FS_ERR_MSG_MAX];
} fs_err;

/* Records code and a printf-style message; returns code. err may be NULL. */
int fs_err_set(fs_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int fs_err_setv(fs_err *err, int code, const char *fmt, va_list ap);
/* Prefixes context to an existing message ("camera: " + msg). */
int fs_err_prefix(fs_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fs_err_clear(fs_err *err);

#endif
