/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Read-only, bounds-checked FlatBuffers access for the .tflite reader.
 *
 * No generated code: the reader asks for fields by id. A table handle is
 * only made after its object and vtable were checked to lie inside the
 * file, so field reads need only compare against the object size. All
 * loads go through memcpy and assemble little-endian values explicitly,
 * so unaligned data and big-endian hosts are both safe.
 */
#include <limits.h>
#include <string.h>

#include "flatbuf_priv.h"

uint16_t nn_fb_load_u16(const uint8_t *buf, size_t pos)
{
	uint8_t b[2];
	memcpy(b, buf + pos, 2);
	return (uint16_t)(b[0] | (b[1] << 8));
}

uint32_t nn_fb_load_u32(const uint8_t *buf, size_t pos)
{
	uint8_t b[4];
	memcpy(b, buf + pos, 4);
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	       ((uint32_t)b[3] << 24);
}

uint64_t nn_fb_load_u64(const uint8_t *buf, size_t pos)
{
	return (uint64_t)nn_fb_load_u32(buf, pos) |
	       ((uint64_t)nn_fb_load_u32(buf, pos + 4) << 32);
}

/* Two's complement reinterpretation without implementation-defined casts. */
static int32_t as_i32(uint32_t u)
{
	int32_t v;
	memcpy(&v, &u, sizeof v);
	return v;
}

static int64_t as_i64(uint64_t u)
{
	int64_t v;
	memcpy(&v, &u, sizeof v);
	return v;
}

static float as_f32(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

int nn_fb_table_at(const uint8_t *buf, size_t size, uint64_t pos, nn_fb_table *out)
{
	memset(out, 0, sizeof *out);
	/* Position 0..3 holds the root offset, so no table can start there;
	 * this also keeps pos == 0 free to mean "absent". */
	if (pos < 4 || pos > UINT32_MAX || pos + 4 > size)
		return -1;
	int64_t vt = (int64_t)pos - (int64_t)as_i32(nn_fb_load_u32(buf, pos));
	if (vt < 0 || (uint64_t)vt + 4 > size)
		return -1;
	uint16_t vt_size = nn_fb_load_u16(buf, (size_t)vt);
	uint16_t obj_size = nn_fb_load_u16(buf, (size_t)vt + 2);
	if (vt_size < 4 || (vt_size & 1) || (uint64_t)vt + vt_size > size)
		return -1;
	if (obj_size < 4 || pos + obj_size > size)
		return -1;
	out->buf = buf;
	out->buf_size = size;
	out->pos = (uint32_t)pos;
	out->vt_pos = (uint32_t)vt;
	out->vt_size = vt_size;
	out->obj_size = obj_size;
	return 1;
}

int nn_fb_root(const uint8_t *buf, size_t size, nn_fb_table *out)
{
	memset(out, 0, sizeof *out);
	if (!buf || size < 8)
		return -1;
	return nn_fb_table_at(buf, size, nn_fb_load_u32(buf, 0), out);
}

bool nn_fb_present(const nn_fb_table *t)
{
	return t && t->pos != 0;
}

int nn_fb_field_pos(const nn_fb_table *t, int field_id, size_t width, uint32_t *pos)
{
	if (!nn_fb_present(t) || field_id < 0 || field_id > 0x7ffe)
		return 0;
	uint32_t slot = 4u + 2u * (uint32_t)field_id;
	if (slot + 2 > t->vt_size)
		return 0;       /* written by an older schema: field absent */
	uint16_t off = nn_fb_load_u16(t->buf, t->vt_pos + slot);
	if (off == 0)
		return 0;
	/* Offsets below 4 would overlap the table's own vtable offset. */
	if (off < 4 || (size_t)off + width > t->obj_size)
		return -1;
	*pos = t->pos + off;
	return 1;
}

bool nn_fb_has_field(const nn_fb_table *t, int field_id)
{
	uint32_t pos;
	return nn_fb_field_pos(t, field_id, 1, &pos) == 1;
}

int32_t nn_fb_i32(const nn_fb_table *t, int field_id, int32_t def)
{
	uint32_t pos;
	if (nn_fb_field_pos(t, field_id, 4, &pos) != 1)
		return def;
	return as_i32(nn_fb_load_u32(t->buf, pos));
}

int64_t nn_fb_i64(const nn_fb_table *t, int field_id, int64_t def)
{
	uint32_t pos;
	if (nn_fb_field_pos(t, field_id, 8, &pos) != 1)
		return def;
	return as_i64(nn_fb_load_u64(t->buf, pos));
}

uint64_t nn_fb_u64(const nn_fb_table *t, int field_id, uint64_t def)
{
	uint32_t pos;
	if (nn_fb_field_pos(t, field_id, 8, &pos) != 1)
		return def;
	return nn_fb_load_u64(t->buf, pos);
}

uint8_t nn_fb_u8(const nn_fb_table *t, int field_id, uint8_t def)
{
	uint32_t pos;
	if (nn_fb_field_pos(t, field_id, 1, &pos) != 1)
		return def;
	return t->buf[pos];
}

float nn_fb_f32(const nn_fb_table *t, int field_id, float def)
{
	uint32_t pos;
	if (nn_fb_field_pos(t, field_id, 4, &pos) != 1)
		return def;
	return as_f32(nn_fb_load_u32(t->buf, pos));
}

/* Follows the uoffset stored at pos; returns the target or 0 if outside. */
static uint64_t follow(const uint8_t *buf, size_t size, uint64_t pos)
{
	uint64_t target = (uint64_t)pos + nn_fb_load_u32(buf, pos);
	return target < size ? target : 0;
}

int nn_fb_table_field(const nn_fb_table *t, int field_id, nn_fb_table *out)
{
	uint32_t pos;
	memset(out, 0, sizeof *out);
	int r = nn_fb_field_pos(t, field_id, 4, &pos);
	if (r != 1)
		return r;
	uint64_t target = follow(t->buf, t->buf_size, pos);
	if (!target)
		return -1;
	return nn_fb_table_at(t->buf, t->buf_size, target, out);
}

int nn_fb_vector(const nn_fb_table *t, int field_id, uint32_t elem_size, nn_fb_vec *out)
{
	uint32_t pos;
	memset(out, 0, sizeof *out);
	int r = nn_fb_field_pos(t, field_id, 4, &pos);
	if (r != 1)
		return r;
	uint64_t vpos = follow(t->buf, t->buf_size, pos);
	if (!vpos || vpos + 4 > t->buf_size || vpos + 4 > UINT32_MAX)
		return -1;
	uint32_t len = nn_fb_load_u32(t->buf, vpos);
	uint64_t data = vpos + 4;
	/* len * elem_size cannot overflow in 64 bits (both are < 2^32). */
	if ((uint64_t)len * elem_size > t->buf_size - data)
		return -1;
	out->buf = t->buf;
	out->buf_size = t->buf_size;
	out->pos = (uint32_t)data;
	out->len = len;
	out->elem_size = elem_size;
	return 1;
}

int nn_fb_vec_table(const nn_fb_vec *v, uint32_t i, nn_fb_table *out)
{
	memset(out, 0, sizeof *out);
	if (i >= v->len || v->elem_size != 4)
		return -1;
	uint64_t epos = (uint64_t)v->pos + 4u * (uint64_t)i;
	uint64_t target = follow(v->buf, v->buf_size, epos);
	if (!target)
		return -1;
	return nn_fb_table_at(v->buf, v->buf_size, target, out);
}

int32_t nn_fb_vec_get_i32(const nn_fb_vec *v, uint32_t i)
{
	return as_i32(nn_fb_load_u32(v->buf, (size_t)v->pos + (size_t)4 * i));
}

int64_t nn_fb_vec_get_i64(const nn_fb_vec *v, uint32_t i)
{
	return as_i64(nn_fb_load_u64(v->buf, (size_t)v->pos + (size_t)8 * i));
}

float nn_fb_vec_get_f32(const nn_fb_vec *v, uint32_t i)
{
	return as_f32(nn_fb_load_u32(v->buf, (size_t)v->pos + (size_t)4 * i));
}

int nn_fb_vec_i32(const nn_fb_table *t, int field_id, int32_t *out, int max_n)
{
	nn_fb_vec v;
	int r = nn_fb_vector(t, field_id, 4, &v);
	if (r < 0 || v.len > INT_MAX)
		return -1;
	if (r == 0)
		return 0;
	for (uint32_t i = 0; out && i < v.len && (int)i < max_n; i++)
		out[i] = nn_fb_vec_get_i32(&v, i);
	return (int)v.len;
}

int nn_fb_string(const nn_fb_table *t, int field_id, const char **s, uint32_t *len)
{
	nn_fb_vec v;
	*s = NULL;
	*len = 0;
	int r = nn_fb_vector(t, field_id, 1, &v);
	if (r != 1)
		return r;
	/* FlatBuffers strings carry a NUL after their bytes; require it so a
	 * string can never run off the end of the file. */
	if ((uint64_t)v.pos + v.len >= v.buf_size || v.buf[v.pos + v.len] != 0)
		return -1;
	*s = (const char *)v.buf + v.pos;
	*len = v.len;
	return 1;
}
