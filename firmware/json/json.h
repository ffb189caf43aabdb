/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * json — the firmware's one JSON string writer. Every JSON file the
 * firmware writes (run.json, COMPLETE markers, the config snapshot) goes
 * through fw_json_str, so paths and names from the outside world (a results
 * folder with byte 0xFF, a camera name with a newline) can never make a
 * file unreadable: control characters are escaped and bytes that are not
 * valid UTF-8 become U+FFFD.
 */
#ifndef FW_JSON_H
#define FW_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Writes s as a quoted JSON string. NULL writes null. */
void fw_json_str(FILE *out, const char *s);

/* Length of the valid UTF-8 sequence starting at s (1..4), or 0 when the
 * bytes there are not one (truncated, overlong, surrogate, > U+10FFFF). */
size_t fw_utf8_len(const unsigned char *s);

#endif
