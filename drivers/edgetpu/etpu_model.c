/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compiled Edge TPU program: edgetpu-custom-op options (FlexBuffer map,
 * key "4") → DWN1 Package → MultiExecutable → Executables (instruction
 * chunks, parameters, DMA hints, input/output layers). Field ids follow
 * libedgetpu's executable.fbs (see ../shared/docs/edgetpu-usb-protocol.md
 * §4). Everything is validated here, once, so the inference loop can trust
 * offsets: every hint must stay inside its chunk, parameters, scratch or
 * layer buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu_priv.h"

#define MAX_CHUNKS 64
#define MAX_LAYERS 64
#define MAX_HINTS 65536
#define MAX_BUF (1u << 30)

static int elem_size(int dt)
{
	switch (dt) {
	case 0: case 8: return 1;           /* FIXED_POINT8, SIGNED_FIXED_POINT8 */
	case 1: case 3: case 4: case 9: return 2;
	case 2: case 5: return 4;
	default: return 0;
	}
}

static bool is_signed_type(int dt) { return dt == 8 || dt == 9; }

static fsnn_status parse_layer(etpu_exe *e, etpu_tab t, etpu_layer *l, bool output, int idx,
			       fsnn_error *err)
{
	etpu_fb *fb = &e->fb;
	const char *name = etpu_fb_str(fb, t, 0, NULL);
	l->info.name = name != NULL ? name : "";
	int64_t size = etpu_fb_int(fb, t, 1, 4, true, 0);
	int64_t y = etpu_fb_int(fb, t, 2, 4, true, 0), x = etpu_fb_int(fb, t, 3, 4, true, 0);
	int64_t z = etpu_fb_int(fb, t, 4, 4, true, 0);
	etpu_tab num = etpu_fb_table(fb, t, 5);
	l->info.zero_point = (int32_t)etpu_fb_int(fb, num, 0, 4, true, 0);
	l->info.scale = etpu_fb_f32(fb, num, 1, 0.0f);
	l->info.data_type = (int)etpu_fb_int(fb, t, 6, 2, true, 0);
	l->exec_count = (int)etpu_fb_int(fb, t, 9, 4, true, 1);
	l->elem = elem_size(l->info.data_type);
	const char *what = output ? "output" : "input";
	if (fb->bad)
		return etpu_err(err, FSNN_E_FORMAT, "%s layer %d: malformed", what, idx);
	if (l->elem == 0)
		return etpu_err(err, FSNN_E_UNSUPPORTED, "%s layer %d '%s': data type %d", what, idx,
				l->info.name, l->info.data_type);
	if (y <= 0 || x <= 0 || z <= 0 || y > 65536 || x > 65536 || z > 65536 ||
	    (uint64_t)(y * x) * (uint64_t)z * (uint64_t)l->elem > (uint64_t)size ||
	    size > MAX_BUF)
		return etpu_err(err, FSNN_E_FORMAT,
				"%s layer %d '%s': dims %lldx%lldx%lld do not fit its %lld bytes", what,
				idx, l->info.name, (long long)y, (long long)x, (long long)z,
				(long long)size);
	if (l->exec_count != 1)
		return etpu_err(err, FSNN_E_UNSUPPORTED,
				"%s layer %d '%s': execution_count_per_inference %d (iterative models)",
				what, idx, l->info.name, l->exec_count);
	l->info.y = (int)y;
	l->info.x = (int)x;
	l->info.z = (int)z;
	l->info.bytes = (size_t)(y * x * z) * (size_t)l->elem;
	l->info.padded_bytes = (size_t)size;
	l->buf_bytes = (size_t)size;
	if (output && etpu_fb_int(fb, t, 7, 1, false, 0) == 1) {
		etpu_tab ol = etpu_fb_table(fb, t, 8);
		etpu_tab lay = etpu_fb_table(fb, ol, 0);
		if (lay.ok) {
			l->has_layout = true;
			for (int k = 0; k < 6; k++)
				l->lay[k] = etpu_fb_vector(fb, lay, k, 4);
		}
		etpu_tab si = etpu_fb_table(fb, ol, 2);
		if (si.ok) {
			/* One slice with packed strides is a plain copy; anything else
			 * (multi-batch slices) is not implemented yet. */
			etpu_vec sl = etpu_fb_vector(fb, si, 0, 4);
			bool plain = sl.ok && sl.len == 1;
			if (plain) {
				etpu_tab tl = etpu_fb_vec_table(fb, sl, 0);
				etpu_vec dims = etpu_fb_vector(fb, etpu_fb_table(fb, tl, 0), 0, 8);
				etpu_vec st = etpu_fb_vector(fb, tl, 1, 4);
				int64_t want = 1;
				plain = dims.ok && st.ok && st.len == dims.len;
				for (int64_t d = (int64_t)dims.len - 1; plain && d >= 0; d--) {
					int32_t s = etpu_fb_vec_i32(fb, (etpu_vec){ dims.pos, dims.len * 2, true },
								    (uint32_t)d * 2);
					int32_t en = etpu_fb_vec_i32(fb, (etpu_vec){ dims.pos, dims.len * 2, true },
								     (uint32_t)d * 2 + 1);
					plain = etpu_fb_vec_i32(fb, st, (uint32_t)d) == want && en >= s;
					want *= (int64_t)en - s + 1;
				}
			}
			l->shape_info_plain = plain;
			l->shape_info_other = !plain;
		}
		if (fb->bad)
			return etpu_err(err, FSNN_E_FORMAT, "output layer %d '%s': malformed layout", idx,
					l->info.name);
		if (l->shape_info_other)
			return etpu_err(err, FSNN_E_UNSUPPORTED,
					"output layer %d '%s': sliced output shape (multi-batch)", idx,
					l->info.name);
		if (!l->has_layout && !l->shape_info_plain && (y > 1 || x > 1))
			return etpu_err(err, FSNN_E_FORMAT, "output layer %d '%s': no output layout",
					idx, l->info.name);
	}
	return FSNN_OK;
}

static int find_layer(const etpu_layer *ls, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(ls[i].info.name, name) == 0)
			return i;
	return -1;
}

/* Grows a staging size to cover [off, off+size); false when it is absurd. */
static bool cover(size_t *bytes, uint64_t off, uint64_t size)
{
	if (off + size > MAX_BUF)
		return false;
	if (off + size > *bytes)
		*bytes = (size_t)(off + size);
	return true;
}

static fsnn_status parse_hint(etpu_exe *e, etpu_tab h, int i, etpu_hint *out, fsnn_error *err)
{
	etpu_fb *fb = &e->fb;
	int type = (int)etpu_fb_int(fb, h, 0, 1, false, 0);
	etpu_tab u = etpu_fb_table(fb, h, 1);
	int dir = (int)etpu_fb_int(fb, h, 2, 2, true, 0);
	if (type == 4) {
		out->kind = ETPU_H_FENCE;
		return fb->bad ? etpu_err(err, FSNN_E_FORMAT, "DMA hint %d: malformed", i) : FSNN_OK;
	}
	if (!u.ok || fb->bad)
		return etpu_err(err, FSNN_E_FORMAT, "DMA hint %d: malformed or empty", i);
	if (type == 2) {
		int64_t k = etpu_fb_int(fb, u, 0, 4, true, 0);
		if (k < 0 || k >= e->num_chunks)
			return etpu_err(err, FSNN_E_FORMAT, "DMA hint %d: instruction chunk %lld of %d", i,
					(long long)k, e->num_chunks);
		*out = (etpu_hint){ ETPU_H_INSTR, (int)k, 0, e->chunk_len[k] };
		return FSNN_OK;
	}
	if (type == 3) {
		int64_t k = etpu_fb_int(fb, u, 0, 2, true, 0);
		if (k < 0 || k > 3)
			return etpu_err(err, FSNN_E_FORMAT, "DMA hint %d: interrupt %lld", i, (long long)k);
		*out = (etpu_hint){ ETPU_H_INTERRUPT, (int)k, 0, 0 };
		return FSNN_OK;
	}
	if (type != 1)
		return etpu_err(err, FSNN_E_UNSUPPORTED, "DMA hint %d: type %d", i, type);
	etpu_tab meta = etpu_fb_table(fb, u, 0);
	int desc = (int)etpu_fb_int(fb, meta, 0, 2, true, 0);
	int64_t batch = etpu_fb_int(fb, meta, 1, 4, true, 0);
	const char *name = etpu_fb_str(fb, meta, 2, NULL);
	int64_t off = etpu_fb_int(fb, u, 1, 4, true, 0), size = etpu_fb_int(fb, u, 2, 4, true, 0);
	if (fb->bad || off < 0 || size <= 0)
		return etpu_err(err, FSNN_E_FORMAT, "DMA hint %d: malformed (offset %lld, size %lld)", i,
				(long long)off, (long long)size);
	if (batch != 0)
		return etpu_err(err, FSNN_E_UNSUPPORTED, "DMA hint %d: batch %lld (multi-batch models)",
				i, (long long)batch);
	*out = (etpu_hint){ 0, 0, (uint32_t)off, (uint32_t)size };
	bool ok = true;
	if (desc == 0 || desc == 1) {
		bool outp = desc == 0;
		if (outp != (dir == 1))
			return etpu_err(err, FSNN_E_FORMAT, "DMA hint %d: %s in the wrong direction", i,
					outp ? "output" : "input");
		etpu_layer *ls = outp ? e->out : e->in;
		int k = find_layer(ls, outp ? e->num_out : e->num_in, name ? name : "");
		if (k < 0)
			return etpu_err(err, FSNN_E_FORMAT, "DMA hint %d: no %s layer named '%s'", i,
					outp ? "output" : "input", name ? name : "");
		out->kind = outp ? ETPU_H_OUTPUT : ETPU_H_INPUT;
		out->index = k;
		ok = cover(&ls[k].buf_bytes, (uint64_t)off, (uint64_t)size);
	} else if (desc == 2) {
		if (dir != 0 || (uint64_t)off + (uint64_t)size > e->params_len)
			return etpu_err(err, FSNN_E_FORMAT,
					"DMA hint %d: parameters [%lld, +%lld) outside their %u bytes", i,
					(long long)off, (long long)size, e->params_len);
		out->kind = ETPU_H_PARAM;
	} else if (desc == 3) {
		if ((uint64_t)off + (uint64_t)size > e->scratch_bytes)
			return etpu_err(err, FSNN_E_FORMAT,
					"DMA hint %d: scratch [%lld, +%lld) outside its %u bytes", i,
					(long long)off, (long long)size, e->scratch_bytes);
		out->kind = dir == 1 ? ETPU_H_SCRATCH_OUT : ETPU_H_SCRATCH_IN;
	} else {
		return etpu_err(err, FSNN_E_FORMAT, "DMA hint %d: description %d", i, desc);
	}
	return ok ? FSNN_OK : etpu_err(err, FSNN_E_FORMAT, "DMA hint %d: absurd size", i);
}

static fsnn_status parse_exe(etpu_exe *e, const uint8_t *b, uint32_t n, int idx, fsnn_error *err)
{
	etpu_fb *fb = &e->fb;
	*fb = (etpu_fb){ b, n, 0 };
	etpu_tab r = etpu_fb_root(fb);
	e->type = (int)etpu_fb_int(fb, r, 13, 2, true, 0);
	e->token = (uint64_t)etpu_fb_int(fb, r, 14, 8, false, 0);
	int64_t scratch = etpu_fb_int(fb, r, 4, 4, true, 0);
	etpu_vec bs = etpu_fb_vector(fb, r, 5, 4);
	etpu_vec pv = etpu_fb_vector(fb, r, 6, 1);
	etpu_vec iv = etpu_fb_vector(fb, r, 8, 4), ov = etpu_fb_vector(fb, r, 9, 4);
	etpu_tab dh = etpu_fb_table(fb, r, 7);
	etpu_vec hv = etpu_fb_vector(fb, dh, 0, 4);
	bool det = etpu_fb_int(fb, dh, 1, 1, false, 0) != 0;
	if (fb->bad || !r.ok)
		return etpu_err(err, FSNN_E_FORMAT, "executable %d: malformed", idx);
	if (bs.len == 0 || bs.len > MAX_CHUNKS || iv.len > MAX_LAYERS || ov.len > MAX_LAYERS ||
	    hv.len == 0 || hv.len > MAX_HINTS || scratch < 0 || scratch > MAX_BUF)
		return etpu_err(err, FSNN_E_FORMAT,
				"executable %d: %u instruction chunks, %u/%u layers, %u DMA hints, "
				"scratch %lld (out of range)", idx, bs.len, iv.len, ov.len, hv.len,
				(long long)scratch);
	/* Not fully deterministic hints: libedgetpu's hint extractor appends a
	 * global fence and walks them anyway; walking in order and finishing
	 * each before the next is that fence, so nothing else is needed. */
	(void)det;
	e->num_chunks = (int)bs.len;
	e->chunk = calloc(bs.len, sizeof *e->chunk);
	e->chunk_len = calloc(bs.len, sizeof *e->chunk_len);
	e->in = calloc(iv.len + 1, sizeof *e->in);
	e->out = calloc(ov.len + 1, sizeof *e->out);
	e->hints = calloc(hv.len, sizeof *e->hints);
	if (!e->chunk || !e->chunk_len || !e->in || !e->out || !e->hints)
		return etpu_err(err, FSNN_E_NOMEM, "executable %d: out of memory", idx);
	for (uint32_t k = 0; k < bs.len; k++) {
		etpu_vec c = etpu_fb_vector(fb, etpu_fb_vec_table(fb, bs, k), 0, 1);
		if (!c.ok || c.len == 0)
			return etpu_err(err, FSNN_E_FORMAT, "executable %d: instruction chunk %u empty or malformed",
					idx, k);
		e->chunk[k] = b + c.pos;
		e->chunk_len[k] = c.len;
	}
	e->params = pv.ok ? b + pv.pos : NULL;
	e->params_len = pv.ok ? pv.len : 0;
	e->scratch_bytes = (uint32_t)scratch;
	fsnn_status st;
	e->num_in = (int)iv.len;
	e->num_out = (int)ov.len;
	for (uint32_t k = 0; k < iv.len; k++)
		if ((st = parse_layer(e, etpu_fb_vec_table(fb, iv, k), &e->in[k], false, (int)k, err)))
			return st;
	for (uint32_t k = 0; k < ov.len; k++)
		if ((st = parse_layer(e, etpu_fb_vec_table(fb, ov, k), &e->out[k], true, (int)k, err)))
			return st;
	e->num_hints = (int)hv.len;
	for (uint32_t k = 0; k < hv.len; k++)
		if ((st = parse_hint(e, etpu_fb_vec_table(fb, hv, k), (int)k, &e->hints[k], err)))
			return st;
	if (e->hints[e->num_hints - 1].kind != ETPU_H_INTERRUPT)
		return etpu_err(err, FSNN_E_FORMAT, "executable %d: DMA hints do not end with an interrupt",
				idx);
	if (e->scratch_bytes > 0 && (e->scratch = calloc(1, e->scratch_bytes)) == NULL)
		return etpu_err(err, FSNN_E_NOMEM, "executable %d: scratch of %u bytes", idx,
				e->scratch_bytes);
	for (int k = 0; k < e->num_in + e->num_out; k++) {
		etpu_layer *l = k < e->num_in ? &e->in[k] : &e->out[k - e->num_in];
		if ((l->buf = calloc(1, l->buf_bytes)) == NULL)
			return etpu_err(err, FSNN_E_NOMEM, "layer '%s': %zu bytes", l->info.name, l->buf_bytes);
	}
	return FSNN_OK;
}

static fsnn_status parse_package(etpu_model *m, fsnn_error *err)
{
	etpu_fb fb = { m->bytes, m->size, 0 };
	etpu_tab r = etpu_fb_root(&fb);
	int64_t minv = etpu_fb_int(&fb, r, 0, 4, true, 0);
	int64_t chip = etpu_fb_int(&fb, r, 5, 4, true, 0);
	etpu_vec mv = etpu_fb_vector(&fb, r, 1, 1);
	if (fb.bad || !r.ok || !mv.ok || mv.len == 0)
		return etpu_err(err, FSNN_E_FORMAT, "DWN1 package: malformed or without executables");
	if (minv > 14)
		return etpu_err(err, FSNN_E_UNSUPPORTED,
				"DWN1 package needs runtime version %lld (this driver speaks 14)", (long long)minv);
	if (chip == -1)
		return etpu_err(err, FSNN_E_UNSUPPORTED, "DWN1 package is for a multi-chip pipeline");
	etpu_fb mfb = { m->bytes + mv.pos, mv.len, 0 };
	etpu_tab mr = etpu_fb_root(&mfb);
	etpu_vec ev = etpu_fb_vector(&mfb, mr, 0, 4);
	if (mfb.bad || !ev.ok || ev.len == 0 || ev.len > 3)
		return etpu_err(err, FSNN_E_FORMAT, "DWN1 package: %u executables (1 to 3 expected)",
				ev.ok ? ev.len : 0);
	for (uint32_t i = 0; i < ev.len; i++) {
		uint32_t n = 0;
		const uint8_t *b = etpu_fb_vec_str(&mfb, ev, i, &n);
		if (b == NULL)
			return etpu_err(err, FSNN_E_FORMAT, "DWN1 package: executable %u malformed", i);
		m->num_exe++;
		fsnn_status st = parse_exe(&m->exe[i], b, n, (int)i, err);
		if (st)
			return st;
	}
	/* libedgetpu's package registry: 1 executable runs alone; 2 must be
	 * parameter-caching + execution-only; of 3 the stand-alone one runs. */
	for (int i = 0; i < m->num_exe; i++) {
		etpu_exe *e = &m->exe[i];
		if (m->num_exe == 1 || (m->num_exe == 3 && e->type == ETPU_EXE_STANDALONE))
			m->main = e;
		else if (m->num_exe == 2 && e->type == ETPU_EXE_PARAM_CACHING)
			m->pc = e;
		else if (m->num_exe == 2 && e->type == ETPU_EXE_EXEC_ONLY)
			m->main = e;
	}
	if (m->main == NULL || (m->num_exe == 2 && m->pc == NULL))
		return etpu_err(err, FSNN_E_FORMAT, "DWN1 package: %d executables of unexpected types",
				m->num_exe);
	if (m->main->num_in == 0 || m->main->num_out == 0)
		return etpu_err(err, FSNN_E_FORMAT, "DWN1 package: executable without inputs or outputs");
	return FSNN_OK;
}

void etpu_model_free(etpu_model *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < 3; i++) {
		etpu_exe *e = &m->exe[i];
		for (int k = 0; e->in && k < e->num_in; k++)
			free(e->in[k].buf);
		for (int k = 0; e->out && k < e->num_out; k++)
			free(e->out[k].buf);
		free(e->chunk);
		free(e->chunk_len);
		free(e->in);
		free(e->out);
		free(e->hints);
		free(e->scratch);
	}
	free(m->bytes);
	free(m);
}

fsnn_status etpu_model_from_options(const uint8_t *opts, size_t size, etpu_model **out,
				    fsnn_error *err)
{
	*out = NULL;
	int bad = 0;
	size_t n = 0;
	const uint8_t *pkg = opts ? etpu_flex_map_blob(opts, size, "4", &n, &bad) : NULL;
	if (bad)
		return etpu_err(err, FSNN_E_FORMAT, "edgetpu-custom-op options: not a FlexBuffer map");
	if (pkg == NULL || n < 8)
		return etpu_err(err, FSNN_E_FORMAT, "edgetpu-custom-op options: no DWN1 package (key \"4\")");
	if (memcmp(pkg + 4, "DWN1", 4) != 0)
		return etpu_err(err, FSNN_E_FORMAT, "edgetpu-custom-op options: package lacks the DWN1 identifier");
	etpu_model *m = calloc(1, sizeof *m);
	if (m == NULL || (m->bytes = malloc(n)) == NULL) {
		free(m);
		return etpu_err(err, FSNN_E_NOMEM, "DWN1 package: %zu bytes", n);
	}
	/* Own copy: the FlatBuffer's alignment no longer matters (loads are
	 * bytewise) and the caller's buffer may go away. */
	memcpy(m->bytes, pkg, n);
	m->size = n;
	fsnn_status st = parse_package(m, err);
	if (st) {
		etpu_model_free(m);
		return st;
	}
	*out = m;
	return FSNN_OK;
}

fsnn_status etpu_model_from_tflite(const uint8_t *file, size_t size, etpu_model **out,
				   fsnn_error *err)
{
	*out = NULL;
	etpu_fb fb = { file, size, 0 };
	etpu_tab r = etpu_fb_root(&fb);
	etpu_vec codes = etpu_fb_vector(&fb, r, 1, 4), sgs = etpu_fb_vector(&fb, r, 2, 4);
	for (uint32_t s = 0; !fb.bad && sgs.ok && s < sgs.len; s++) {
		etpu_vec ops = etpu_fb_vector(&fb, etpu_fb_vec_table(&fb, sgs, s), 3, 4);
		for (uint32_t o = 0; !fb.bad && ops.ok && o < ops.len; o++) {
			etpu_tab op = etpu_fb_vec_table(&fb, ops, o);
			int64_t ci = etpu_fb_int(&fb, op, 0, 4, false, 0);
			if (!codes.ok || ci >= codes.len)
				continue;
			const char *cc = etpu_fb_str(&fb, etpu_fb_vec_table(&fb, codes, (uint32_t)ci), 1, NULL);
			if (cc == NULL || strcmp(cc, "edgetpu-custom-op") != 0)
				continue;
			etpu_vec co = etpu_fb_vector(&fb, op, 5, 1);
			if (fb.bad || !co.ok)
				break;
			return etpu_model_from_options(file + co.pos, co.len, out, err);
		}
	}
	if (fb.bad)
		return etpu_err(err, FSNN_E_FORMAT, "not a well-formed .tflite file");
	return etpu_err(err, FSNN_E_FORMAT, "no edgetpu-custom-op in this .tflite file");
}

int etpu_model_num_inputs(const etpu_model *m) { return m->main->num_in; }
int etpu_model_num_outputs(const etpu_model *m) { return m->main->num_out; }

fsnn_status etpu_model_input(const etpu_model *m, int i, etpu_layer_info *info)
{
	if (i < 0 || i >= m->main->num_in)
		return etpu_err(NULL, FSNN_E_ARG, "-");
	*info = m->main->in[i].info;
	return FSNN_OK;
}

fsnn_status etpu_model_output(const etpu_model *m, int i, etpu_layer_info *info)
{
	if (i < 0 || i >= m->main->num_out)
		return etpu_err(NULL, FSNN_E_ARG, "-");
	*info = m->main->out[i].info;
	return FSNN_OK;
}

void etpu_model_describe(const etpu_model *m, void (*line)(void *u, const char *s), void *u)
{
	static const char *const types[] = { "stand-alone", "parameter-caching", "execution-only" };
	static const char *const kinds[] = { "instr", "input", "param", "scratch-in", "scratch-out",
					     "output", "interrupt", "fence" };
	char s[256];
	for (int i = 0; i < m->num_exe; i++) {
		const etpu_exe *e = &m->exe[i];
		size_t instr = 0;
		for (int k = 0; k < e->num_chunks; k++)
			instr += e->chunk_len[k];
		snprintf(s, sizeof s, "executable %d: %s, token %016llx, %d chunk(s) %zu B, parameters %u B, scratch %u B",
			 i, e->type >= 0 && e->type <= 2 ? types[e->type] : "?", (unsigned long long)e->token,
			 e->num_chunks, instr, e->params_len, e->scratch_bytes);
		line(u, s);
		for (int k = 0; k < e->num_in + e->num_out; k++) {
			const etpu_layer *l = k < e->num_in ? &e->in[k] : &e->out[k - e->num_in];
			snprintf(s, sizeof s, "  %s '%s': %dx%dx%d type %d, %zu B (padded %zu), zero point %d, scale %g",
				 k < e->num_in ? "input" : "output", l->info.name, l->info.y, l->info.x,
				 l->info.z, l->info.data_type, l->info.bytes, l->info.padded_bytes,
				 (int)l->info.zero_point, (double)l->info.scale);
			line(u, s);
		}
		for (int k = 0; k < e->num_hints; k++) {
			const etpu_hint *h = &e->hints[k];
			snprintf(s, sizeof s, "  hint %d: %s %d offset %u size %u", k, kinds[h->kind], h->index,
				 h->offset, h->size);
			line(u, s);
		}
	}
}

/* ---- staging ------------------------------------------------------------ */

fsnn_status etpu_stage_input(etpu_layer *l, const void *src, size_t n, fsnn_error *err)
{
	if (n < l->info.bytes)
		return etpu_err(err, FSNN_E_ARG, "input '%s': %zu bytes given, %zu expected", l->info.name,
				n, l->info.bytes);
	memcpy(l->buf, src, l->info.bytes);
	memset(l->buf + l->info.bytes, 0, l->buf_bytes - l->info.bytes);
	/* The TPU works in offset binary: flip the MSB of each signed element. */
	if (is_signed_type(l->info.data_type))
		for (size_t i = (size_t)l->elem - 1; i < l->info.bytes; i += (size_t)l->elem)
			l->buf[i] ^= 0x80;
	return FSNN_OK;
}
