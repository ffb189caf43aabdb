/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounds-checked FlatBuffers and FlexBuffers reading for the Edge TPU's
 * compiled programs. Model files are untrusted input (the fuzzer feeds
 * them hostile bytes), so every offset is checked against the buffer in
 * 64-bit arithmetic before use, and loads are memcpy-based little-endian so
 * unaligned data cannot fault. nn/ has its own reader, but it is private to
 * the engine; this one is small and owned by the driver.
 */
#include <stdio.h>
#include <string.h>

#include "etpu_priv.h"

fsnn_status etpu_err(fsnn_error *err, fsnn_status code, const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

static uint64_t ld(const uint8_t *b, size_t pos, int width)
{
	uint64_t v = 0;
	for (int i = width - 1; i >= 0; i--)
		v = (v << 8) | b[pos + (size_t)i];
	return v;
}

static bool fits(const etpu_fb *fb, uint64_t pos, uint64_t len)
{
	return pos <= fb->n && len <= fb->n - pos;
}

static etpu_tab table_at(etpu_fb *fb, uint64_t pos)
{
	etpu_tab t = { 0 };
	if (!fits(fb, pos, 4)) {
		fb->bad = 1;
		return t;
	}
	int64_t so = (int32_t)(uint32_t)ld(fb->b, pos, 4);
	int64_t vt = (int64_t)pos - so;
	if (vt < 0 || !fits(fb, (uint64_t)vt, 4)) {
		fb->bad = 1;
		return t;
	}
	uint16_t vtlen = (uint16_t)ld(fb->b, (size_t)vt, 2);
	if (vtlen < 4 || (vtlen & 1) || !fits(fb, (uint64_t)vt, vtlen)) {
		fb->bad = 1;
		return t;
	}
	t.pos = (uint32_t)pos;
	t.vt = (uint32_t)vt;
	t.vtlen = vtlen;
	t.ok = true;
	return t;
}

etpu_tab etpu_fb_root(etpu_fb *fb)
{
	if (!fits(fb, 0, 4)) {
		fb->bad = 1;
		return (etpu_tab){ 0 };
	}
	return table_at(fb, ld(fb->b, 0, 4));
}

/* Position of a field's inline bytes, or 0 when absent/bad. */
static uint32_t field(etpu_fb *fb, etpu_tab t, int id, int width)
{
	if (!t.ok)
		return 0;
	uint32_t o = 4u + 2u * (uint32_t)id;
	if (o + 2 > t.vtlen)
		return 0;
	uint16_t fo = (uint16_t)ld(fb->b, t.vt + o, 2);
	if (fo == 0)
		return 0;
	if (!fits(fb, (uint64_t)t.pos + fo, (uint64_t)width)) {
		fb->bad = 1;
		return 0;
	}
	return t.pos + fo;
}

int64_t etpu_fb_int(etpu_fb *fb, etpu_tab t, int id, int width, bool is_signed, int64_t def)
{
	uint32_t p = field(fb, t, id, width);
	if (p == 0)
		return def;
	uint64_t v = ld(fb->b, p, width);
	if (is_signed && width < 8 && (v >> (8 * width - 1)) & 1)
		v |= ~0ull << (8 * width);
	return (int64_t)v;
}

float etpu_fb_f32(etpu_fb *fb, etpu_tab t, int id, float def)
{
	uint32_t p = field(fb, t, id, 4);
	if (p == 0)
		return def;
	float f;
	memcpy(&f, fb->b + p, 4);
	return f;
}

etpu_tab etpu_fb_table(etpu_fb *fb, etpu_tab t, int id)
{
	uint32_t p = field(fb, t, id, 4);
	if (p == 0)
		return (etpu_tab){ 0 };
	return table_at(fb, (uint64_t)p + ld(fb->b, p, 4));
}

static etpu_vec vec_at(etpu_fb *fb, uint64_t vp, uint32_t elem)
{
	etpu_vec v = { 0 };
	if (!fits(fb, vp, 4)) {
		fb->bad = 1;
		return v;
	}
	uint64_t len = ld(fb->b, (size_t)vp, 4);
	if (!fits(fb, vp + 4, len * elem)) {
		fb->bad = 1;
		return v;
	}
	v.pos = (uint32_t)(vp + 4);
	v.len = (uint32_t)len;
	v.ok = true;
	return v;
}

etpu_vec etpu_fb_vector(etpu_fb *fb, etpu_tab t, int id, uint32_t elem_size)
{
	uint32_t p = field(fb, t, id, 4);
	if (p == 0)
		return (etpu_vec){ 0 };
	return vec_at(fb, (uint64_t)p + ld(fb->b, p, 4), elem_size);
}

etpu_tab etpu_fb_vec_table(etpu_fb *fb, etpu_vec v, uint32_t i)
{
	if (!v.ok || i >= v.len) {
		fb->bad = 1;
		return (etpu_tab){ 0 };
	}
	uint64_t ep = (uint64_t)v.pos + 4ull * i;
	return table_at(fb, ep + ld(fb->b, (size_t)ep, 4));
}

const uint8_t *etpu_fb_vec_str(etpu_fb *fb, etpu_vec v, uint32_t i, uint32_t *len)
{
	if (!v.ok || i >= v.len) {
		fb->bad = 1;
		return NULL;
	}
	uint64_t ep = (uint64_t)v.pos + 4ull * i;
	etpu_vec s = vec_at(fb, ep + ld(fb->b, (size_t)ep, 4), 1);
	if (!s.ok)
		return NULL;
	*len = s.len;
	return fb->b + s.pos;
}

const char *etpu_fb_str(etpu_fb *fb, etpu_tab t, int id, uint32_t *len)
{
	etpu_vec s = etpu_fb_vector(fb, t, id, 1);
	if (!s.ok)
		return NULL;
	/* FlatBuffers strings are NUL-terminated; insist, so callers may print them. */
	if (!fits(fb, s.pos, (uint64_t)s.len + 1) || fb->b[s.pos + s.len] != 0) {
		fb->bad = 1;
		return NULL;
	}
	if (len != NULL)
		*len = s.len;
	return (const char *)fb->b + s.pos;
}

int32_t etpu_fb_vec_i32(const etpu_fb *fb, etpu_vec v, uint32_t i)
{
	if (!v.ok || i >= v.len)
		return 0;
	return (int32_t)(uint32_t)ld(fb->b, v.pos + 4ull * i, 4);
}

/* FlexBuffers: the root's byte width is the last byte, its packed type the
 * one before; a map is a vector of values preceded by (keys offset, keys
 * width, count) and followed by one type byte per value. */
const uint8_t *etpu_flex_map_blob(const uint8_t *b, size_t n, const char *key, size_t *len,
				  int *bad)
{
	etpu_fb fb = { b, n, 0 };
	*bad = 1;
	if (n < 3)
		return NULL;
	int rw = b[n - 1];
	uint8_t packed = b[n - 2];
	if ((rw != 1 && rw != 2 && rw != 4 && rw != 8) || (packed >> 2) != 9 || (size_t)rw + 2 > n)
		return NULL;
	uint64_t rpos = n - 2 - (size_t)rw;
	uint64_t off = ld(b, (size_t)rpos, rw);
	if (off > rpos)
		return NULL;
	uint64_t m = rpos - off;
	int w = 1 << (packed & 3);
	if (m < 3ull * w || !fits(&fb, m - 3ull * w, 3ull * w))
		return NULL;
	uint64_t cnt = ld(b, (size_t)(m - w), w);
	uint64_t kw = ld(b, (size_t)(m - 2 * w), w);
	uint64_t koff = ld(b, (size_t)(m - 3 * w), w);
	if ((kw != 1 && kw != 2 && kw != 4 && kw != 8) || koff > m - 3ull * w || cnt > n ||
	    !fits(&fb, m, cnt * (uint64_t)w + cnt))
		return NULL;
	uint64_t kpos = m - 3ull * w - koff;
	if (!fits(&fb, kpos, cnt * kw))
		return NULL;
	for (uint64_t i = 0; i < cnt; i++) {
		uint64_t kp = kpos + i * kw, ko = ld(b, (size_t)kp, (int)kw);
		if (ko > kp)
			return NULL;
		uint64_t ks = kp - ko;
		const uint8_t *z = memchr(b + ks, 0, n - ks);
		if (z == NULL)
			return NULL;
		if (strcmp((const char *)b + ks, key) != 0)
			continue;
		uint8_t t = b[m + cnt * w + i];
		int vt = t >> 2, vw = 1 << (t & 3);
		if (vt != 5 && vt != 25) /* string, blob */
			return NULL;
		uint64_t vp = m + i * w, vo = ld(b, (size_t)vp, w);
		if (vo > vp || vp - vo < (uint64_t)vw)
			return NULL;
		uint64_t tgt = vp - vo, l = ld(b, (size_t)(tgt - vw), vw);
		if (!fits(&fb, tgt, l))
			return NULL;
		*bad = 0;
		*len = (size_t)l;
		return b + tgt;
	}
	*bad = 0;
	return NULL;
}
