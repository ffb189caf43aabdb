/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the reader: bounds-checked FlatBuffers primitives beyond the
 * scalar accessors in nn_internal.h. Nothing here trusts the file: every
 * offset, vtable, vector and string is checked against the buffer before
 * it is used, and all reads are memcpy-based little-endian loads, so
 * unaligned or hostile data cannot fault.
 *
 * Functions returning int use: 1 = present and valid, 0 = absent,
 * -1 = malformed (points outside the file, overflows, bad vtable).
 */
#ifndef NN_FLATBUF_PRIV_H
#define NN_FLATBUF_PRIV_H

#include "nn_internal.h"

/* A vector inside the file: len elements of elem_size bytes at pos. */
typedef struct nn_fb_vec {
	const uint8_t *buf;
	size_t buf_size;
	uint32_t pos;        /* first element */
	uint32_t len;        /* element count */
	uint32_t elem_size;
} nn_fb_vec;

/* Little-endian loads at buf+pos; the caller has checked the bounds. */
uint16_t nn_fb_load_u16(const uint8_t *buf, size_t pos);
uint32_t nn_fb_load_u32(const uint8_t *buf, size_t pos);
uint64_t nn_fb_load_u64(const uint8_t *buf, size_t pos);

/* Validates the table at pos (object, vtable) and fills *out. */
int nn_fb_table_at(const uint8_t *buf, size_t size, uint64_t pos, nn_fb_table *out);
/* Root table of a FlatBuffer: the uoffset at byte 0. */
int nn_fb_root(const uint8_t *buf, size_t size, nn_fb_table *out);
/* Position of a field's inline bytes; 0 = absent, -1 = does not fit. */
int nn_fb_field_pos(const nn_fb_table *t, int field_id, size_t width, uint32_t *pos);

/* Sub-table referenced by field_id. */
int nn_fb_table_field(const nn_fb_table *t, int field_id, nn_fb_table *out);
/* Vector referenced by field_id, whose elements are elem_size bytes. */
int nn_fb_vector(const nn_fb_table *t, int field_id, uint32_t elem_size, nn_fb_vec *out);
/* Table element i of a vector of tables (elem_size 4). */
int nn_fb_vec_table(const nn_fb_vec *v, uint32_t i, nn_fb_table *out);
/* Element accessors; i < v->len is the caller's duty. */
int32_t nn_fb_vec_get_i32(const nn_fb_vec *v, uint32_t i);
int64_t nn_fb_vec_get_i64(const nn_fb_vec *v, uint32_t i);
float nn_fb_vec_get_f32(const nn_fb_vec *v, uint32_t i);
/* String at field_id: bytes and length; it is checked to be
 * NUL-terminated inside the file. */
int nn_fb_string(const nn_fb_table *t, int field_id, const char **s, uint32_t *len);

/* Unsigned 64-bit scalar (Buffer.offset/size); def when absent. */
uint64_t nn_fb_u64(const nn_fb_table *t, int field_id, uint64_t def);

#endif /* NN_FLATBUF_PRIV_H */
