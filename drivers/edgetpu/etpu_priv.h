/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to drivers/edgetpu: the bounds-checked FlatBuffers/FlexBuffers
 * reader, the parsed DWN1 executable and the device state.
 */
#ifndef FS_ETPU_PRIV_H
#define FS_ETPU_PRIV_H

#include <stdarg.h>
#include <stdbool.h>

#include "edgetpu/edgetpu.h"

fsnn_status etpu_err(fsnn_error *err, fsnn_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- FlatBuffers: nothing trusts the bytes. Any malformation sets
 * fb->bad and yields "absent", so parsers check fb->bad once at the end. */
typedef struct etpu_fb {
	const uint8_t *b;
	size_t n;
	int bad;
} etpu_fb;

typedef struct etpu_tab {
	uint32_t pos, vt;
	uint16_t vtlen;
	bool ok;
} etpu_tab;

typedef struct etpu_vec {
	uint32_t pos, len;  /* first element, count */
	bool ok;
} etpu_vec;

etpu_tab etpu_fb_root(etpu_fb *fb);
int64_t etpu_fb_int(etpu_fb *fb, etpu_tab t, int id, int width, bool is_signed, int64_t def);
float etpu_fb_f32(etpu_fb *fb, etpu_tab t, int id, float def);
etpu_tab etpu_fb_table(etpu_fb *fb, etpu_tab t, int id);
etpu_vec etpu_fb_vector(etpu_fb *fb, etpu_tab t, int id, uint32_t elem_size);
etpu_tab etpu_fb_vec_table(etpu_fb *fb, etpu_vec v, uint32_t i);
/* A [string] element or a string field: bytes and length (not copied). */
const uint8_t *etpu_fb_vec_str(etpu_fb *fb, etpu_vec v, uint32_t i, uint32_t *len);
const char *etpu_fb_str(etpu_fb *fb, etpu_tab t, int id, uint32_t *len);
int32_t etpu_fb_vec_i32(const etpu_fb *fb, etpu_vec v, uint32_t i);

/* FlexBuffer map root → the blob/string under key; NULL if absent or bad. */
const uint8_t *etpu_flex_map_blob(const uint8_t *b, size_t n, const char *key, size_t *len,
				  int *bad);

/* ---- the executable ---------------------------------------------------- */
enum { ETPU_EXE_STANDALONE = 0, ETPU_EXE_PARAM_CACHING = 1, ETPU_EXE_EXEC_ONLY = 2 };
enum { ETPU_H_INSTR, ETPU_H_INPUT, ETPU_H_PARAM, ETPU_H_SCRATCH_IN, ETPU_H_SCRATCH_OUT,
       ETPU_H_OUTPUT, ETPU_H_INTERRUPT, ETPU_H_FENCE };

typedef struct etpu_hint {
	int kind;
	int index;       /* chunk, layer or interrupt number */
	uint32_t offset, size;
} etpu_hint;

typedef struct etpu_layer {
	etpu_layer_info info;
	int elem;                     /* bytes per element */
	int exec_count;
	bool has_layout, shape_info_plain, shape_info_other;
	etpu_vec lay[6];              /* OutputLayout's six int vectors */
	size_t buf_bytes;             /* padded, plus what hints read past it */
	uint8_t *buf;                 /* staging buffer (owned by the model) */
} etpu_layer;

typedef struct etpu_exe {
	int type;
	uint64_t token;
	int num_chunks;
	const uint8_t **chunk;
	uint32_t *chunk_len;
	const uint8_t *params;
	uint32_t params_len;
	uint32_t scratch_bytes;
	uint8_t *scratch;
	int num_hints;
	etpu_hint *hints;
	int num_in, num_out;
	etpu_layer *in, *out;
	etpu_fb fb;                   /* the executable's own FlatBuffer */
} etpu_exe;

struct etpu_model {
	uint8_t *bytes;               /* own copy of the package */
	size_t size;
	etpu_exe exe[3];
	int num_exe;
	etpu_exe *pc, *main;          /* pc may be NULL */
};

/* ---- the device --------------------------------------------------------- */
struct etpu_device {
	etpu_config cfg;
	const etpu_usb_ops *usb;
	void *uu;
	bool own_usb;
	void *h;                      /* open handle or NULL */
	bool up;                      /* brought up (claimed + CSR sequence) */
	bool lost;                    /* NO_DEVICE seen: skip the close sequence */
	char path[32];
	int speed;
	uint64_t cached_token;        /* parameters resident on the chip */
	const etpu_model *cached_model;
	uint8_t in_buf[1024];         /* EP 0x81 stream: unread bytes of the last completion */
	int in_pos, in_len;
};

void etpu_log(const etpu_device *dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* USB rc → status + message "edgetpu 2-1.3: <what>: <libusb name>". */
fsnn_status etpu_usb_fail(etpu_device *dev, fsnn_error *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
fsnn_status etpu_csr_read(etpu_device *dev, uint32_t addr, int bits, uint64_t *v, fsnn_error *err);
fsnn_status etpu_csr_write(etpu_device *dev, uint32_t addr, int bits, uint64_t v, fsnn_error *err);
fsnn_status etpu_bringup(etpu_device *dev, fsnn_error *err);
fsnn_status etpu_shutdown(etpu_device *dev, fsnn_error *err);
fsnn_status etpu_dfu_download(etpu_device *dev, fsnn_error *err);
/* Stages inputs (pad, sign flip), and turns outputs back (relayout, flip). */
fsnn_status etpu_stage_input(etpu_layer *l, const void *src, size_t n, fsnn_error *err);
fsnn_status etpu_unstage_output(const etpu_exe *e, const etpu_layer *l, void *dst, size_t n,
				fsnn_error *err);

#endif /* FS_ETPU_PRIV_H */
