/* SPDX-License-Identifier: BSD-3-Clause */
/* Status texts, dtype tables and the one error formatter the engine uses. */
#include <stdio.h>
#include <string.h>

#include "nn_internal.h"

const char *fsnn_strerror(fsnn_status status)
{
	switch (status) {
	case FSNN_OK: return "success";
	case FSNN_E_IO: return "file could not be opened, mapped or read";
	case FSNN_E_FORMAT: return "malformed model file";
	case FSNN_E_UNSUPPORTED: return "unsupported operator, type or feature";
	case FSNN_E_SHAPE: return "inconsistent shapes or types";
	case FSNN_E_NOMEM: return "out of memory or size overflow";
	case FSNN_E_ARG: return "invalid argument";
	case FSNN_E_BACKEND: return "backend missing or failed";
	case FSNN_E_TIMEOUT: return "backend timed out";
	}
	return "unknown status";
}

const char *fsnn_dtype_name(fsnn_dtype t)
{
	switch (t) {
	case FSNN_FLOAT32: return "FLOAT32";
	case FSNN_FLOAT16: return "FLOAT16";
	case FSNN_INT32: return "INT32";
	case FSNN_UINT8: return "UINT8";
	case FSNN_INT64: return "INT64";
	case FSNN_STRING: return "STRING";
	case FSNN_BOOL: return "BOOL";
	case FSNN_INT16: return "INT16";
	case FSNN_INT8: return "INT8";
	}
	/* Schema types the engine keeps only for inspection (no fsnn_dtype). */
	static const char *const other[] = {
		[8] = "COMPLEX64", [10] = "FLOAT64", [11] = "COMPLEX128", [12] = "UINT64",
		[13] = "RESOURCE", [14] = "VARIANT", [15] = "UINT32", [16] = "UINT16",
		[17] = "INT4", [18] = "BFLOAT16",
	};
	int code = (int)t;
	if (code >= 0 && (size_t)code < sizeof other / sizeof other[0] && other[code] != NULL)
		return other[code];
	return "?";
}

size_t fsnn_dtype_size(fsnn_dtype t)
{
	switch (t) {
	case FSNN_FLOAT32: return 4;
	case FSNN_FLOAT16: return 2;
	case FSNN_INT32: return 4;
	case FSNN_UINT8: return 1;
	case FSNN_INT64: return 8;
	case FSNN_BOOL: return 1;
	case FSNN_INT16: return 2;
	case FSNN_INT8: return 1;
	case FSNN_STRING: return 0; /* variable length: not a fixed-size element */
	}
	return 0;
}

fsnn_status nn_set_error_v(fsnn_error *err, fsnn_status code, const char *fmt, va_list ap)
{
	if (err != NULL) {
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	}
	return code;
}

fsnn_status nn_set_error(fsnn_error *err, fsnn_status code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	nn_set_error_v(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void nn_error_prefix(fsnn_error *err, const char *fmt, ...)
{
	if (err == NULL)
		return;
	char head[FSNN_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	size_t hl = strlen(head), ml = strnlen(err->msg, sizeof err->msg - 1);
	if (hl >= sizeof err->msg - 1)
		hl = sizeof err->msg - 1;
	if (hl + ml > sizeof err->msg - 1)
		ml = sizeof err->msg - 1 - hl;   /* keep the head, cut the tail */
	memmove(err->msg + hl, err->msg, ml);
	memcpy(err->msg, head, hl);
	err->msg[hl + ml] = '\0';
}
