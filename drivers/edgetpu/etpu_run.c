/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One inference: walk the executable's DMA hints in order on the single
 * bulk-OUT endpoint (8-byte header + payload in ≤ 1 MiB transfers per DMA,
 * exactly libedgetpu's transfer boundaries, which the device sees as short
 * packets), read outputs as a byte stream from EP 0x81 and the completion
 * event from EP 0x82. The parameter-caching executable runs first whenever
 * the chip does not hold this model's parameters.
 *
 * Failures never abort: a timeout, stall or short read closes the handle
 * and the next attempt reopens the stick (port reset, firmware again if it
 * lost power, bring-up) — bounded by cfg.attempts. An unplug is reported at
 * once (FSNN_E_BACKEND); the next call tries to open the stick again.
 */
#include <stdio.h>
#include <string.h>

#include "etpu_priv.h"

#define MAX_BULK_OUT (1u << 20)
#define OUT_RETRIES 3

#define TRY(x) do { fsnn_status st_ = (x); if (st_) return st_; } while (0)

static fsnn_status bulk_out(etpu_device *d, const uint8_t *p, uint32_t n, const char *what,
			    fsnn_error *err)
{
	for (int t = 0;; t++) {
		int act = 0;
		int rc = d->usb->bulk(d->uu, d->h, 0x01, (uint8_t *)p, (int)n, &act, d->cfg.timeout_ms);
		if (rc == 0 && (uint32_t)act == n)
			return FSNN_OK;
		/* A timeout with nothing taken left the device unchanged: resend. */
		if (rc == ETPU_USB_E_TIMEOUT && act == 0 && t + 1 < OUT_RETRIES)
			continue;
		if (rc == 0)
			rc = act;
		return etpu_usb_fail(d, err, rc, "sending %s (%u bytes) on EP 0x01", what, n);
	}
}

static fsnn_status send_dma(etpu_device *d, int tag, const uint8_t *p, uint32_t n,
			    const char *what, fsnn_error *err)
{
	uint8_t hdr[8] = { (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24),
			   (uint8_t)(tag & 0xf), 0, 0, 0 };
	TRY(bulk_out(d, hdr, sizeof hdr, "a DMA header", err));
	for (uint32_t off = 0; off < n; off += MAX_BULK_OUT)
		TRY(bulk_out(d, p + off, n - off < MAX_BULK_OUT ? n - off : MAX_BULK_OUT, what, err));
	return FSNN_OK;
}

/* EP 0x81 is a byte stream; each completion carries one outfeed chunk
 * (1024 B on SuperSpeed, 256 B on USB 2.0), the last of a DMA shorter. */
static fsnn_status recv_stream(etpu_device *d, uint8_t *dst, uint32_t n, const char *what,
			       fsnn_error *err)
{
	uint32_t want = n;
	int chunk = d->speed == ETPU_SPEED_HIGH ? 256 : 1024;
	while (n > 0) {
		if (d->in_pos == d->in_len) {
			int act = 0;
			int rc = d->usb->bulk(d->uu, d->h, 0x81, d->in_buf, sizeof d->in_buf, &act,
					      d->cfg.timeout_ms);
			if (rc != 0)
				return etpu_usb_fail(d, err, rc, "reading %s on EP 0x81 (%u of %u bytes received)",
						     what, want - n, want);
			d->in_pos = 0;
			d->in_len = act;
			/* A short chunk ends a DMA; more expected means bytes were lost. */
			if (act < chunk && (uint32_t)act < n) {
				d->in_len = 0;
				return etpu_err(err, FSNN_E_BACKEND,
						"edgetpu %s: short read on EP 0x81: a %d-byte chunk where %u more "
						"bytes of %s were expected",
						d->path, act, n, what);
			}
		}
		uint32_t k = (uint32_t)(d->in_len - d->in_pos);
		if (k > n)
			k = n;
		memcpy(dst, d->in_buf + d->in_pos, k);
		d->in_pos += (int)k;
		dst += k;
		n -= k;
	}
	return FSNN_OK;
}

static fsnn_status wait_event(etpu_device *d, int irq, const char *exe, fsnn_error *err)
{
	uint8_t ev[16];
	int act = 0;
	int rc = d->usb->bulk(d->uu, d->h, 0x82, ev, sizeof ev, &act, d->cfg.event_timeout_ms);
	if (rc == ETPU_USB_E_TIMEOUT)
		return etpu_err(err, FSNN_E_TIMEOUT,
				"edgetpu %s: no completion event on EP 0x82 within %u ms (%s executable)",
				d->path, d->cfg.event_timeout_ms, exe);
	if (rc != 0)
		return etpu_usb_fail(d, err, rc, "reading the completion event on EP 0x82");
	if (act != 16 || (ev[12] & 0xf) != 4 + irq)
		return etpu_err(err, FSNN_E_BACKEND,
				"edgetpu %s: unexpected event on EP 0x82 (%d bytes, tag %d; expected 16 "
				"bytes, tag %d)", d->path, act, act > 12 ? ev[12] & 0xf : -1, 4 + irq);
	return FSNN_OK;
}

static fsnn_status run_exe(etpu_device *d, etpu_exe *e, fsnn_error *err)
{
	static const char *const names[] = { "stand-alone", "parameter-caching", "execution-only" };
	const char *exe = e->type >= 0 && e->type <= 2 ? names[e->type] : "?";
	for (int i = 0; i < e->num_hints; i++) {
		const etpu_hint *h = &e->hints[i];
		switch (h->kind) {
		case ETPU_H_INSTR:
			TRY(send_dma(d, 0, e->chunk[h->index], e->chunk_len[h->index], "instructions", err));
			break;
		case ETPU_H_INPUT:
			TRY(send_dma(d, 1, e->in[h->index].buf + h->offset, h->size, "input activations", err));
			break;
		case ETPU_H_PARAM:
			TRY(send_dma(d, 2, e->params + h->offset, h->size, "parameters", err));
			break;
		case ETPU_H_SCRATCH_IN:
			TRY(send_dma(d, 1, e->scratch + h->offset, h->size, "scratch", err));
			break;
		case ETPU_H_SCRATCH_OUT:
			TRY(recv_stream(d, e->scratch + h->offset, h->size, "scratch", err));
			break;
		case ETPU_H_OUTPUT:
			TRY(recv_stream(d, e->out[h->index].buf + h->offset, h->size, "output activations",
					err));
			break;
		case ETPU_H_INTERRUPT:
			TRY(wait_event(d, h->index, exe, err));
			break;
		default: /* fence: hints already complete in order */
			break;
		}
	}
	return FSNN_OK;
}

static fsnn_status run_once(etpu_device *d, etpu_model *m, fsnn_error *err)
{
	const etpu_exe *pc = m->pc;
	if (pc != NULL && (pc->token == 0 || d->cached_token != pc->token || d->cached_model != m)) {
		d->cached_token = 0;
		d->cached_model = NULL;
		TRY(run_exe(d, m->pc, err));
		d->cached_token = pc->token;
		d->cached_model = m;
	}
	return run_exe(d, m->main, err);
}

fsnn_status etpu_run(etpu_device *d, etpu_model *m, const void *const *inputs,
		     const size_t *in_sizes, void *const *outputs, const size_t *out_sizes,
		     fsnn_error *err)
{
	etpu_exe *e = m->main;
	for (int i = 0; i < e->num_in; i++)
		TRY(etpu_stage_input(&e->in[i], inputs[i], in_sizes[i], err));
	int attempts = d->cfg.attempts > 0 ? d->cfg.attempts : 1;
	fsnn_status st = FSNN_OK;
	for (int a = 0; a < attempts; a++) {
		st = etpu_device_open(d, err);
		if (st == FSNN_OK)
			st = run_once(d, m, err);
		if (st == FSNN_OK)
			break;
		/* Drop the handle without the close sequence: the next open resets
		 * the port, which also clears halted endpoints and queued data. */
		d->up = false;
		if (d->h != NULL)
			d->usb->close(d->uu, d->h);
		d->h = NULL;
		if (d->lost || a + 1 == attempts)
			break;
		etpu_log(d, "%s; resetting and retrying (attempt %d of %d)", err ? err->msg : "failed",
			 a + 2, attempts);
	}
	if (st)
		return st;
	for (int i = 0; i < e->num_out; i++)
		TRY(etpu_unstage_output(e, &e->out[i], outputs[i], out_sizes[i], err));
	return FSNN_OK;
}
