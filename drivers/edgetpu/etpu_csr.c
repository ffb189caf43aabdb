/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Register bring-up and shut-down of the runtime device, and the DFU
 * firmware download of the boot ROM. The sequences (order, read-modify-
 * write values, polls) are the ones libedgetpu performs — see
 * ../shared/coral-emulator/README.md "Observed protocol sequence" and
 * ../shared/docs/edgetpu-usb-protocol.md §2–3 — because the goldens compare
 * every control transfer. Unlike libedgetpu, every poll is bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etpu_priv.h"

#define POLL_MAX 200

/* SCU/OMC registers (32-bit access). */
#define OMC0_00 0x1a000
#define OMC0_D4 0x1a0d4
#define OMC0_D8 0x1a0d8
#define SCU_CTRL_0 0x1a30c
#define SCU_CTRL_2 0x1a314
#define SCU_CTRL_3 0x1a318
#define SCU_CTR_7 0x1a33c
#define RAMBIST_CTRL_1 0x1a704
#define GCBB_CREDIT0 0x1907c
/* GCB/HIB/USB bridge registers (64-bit access). */
#define SCALAR_RUN 0x44018
#define TILECONFIG0 0x48788
#define DEEP_SLEEP 0x40020
#define IDLE_REG 0x4a000
#define DESCR_EP 0x4c148
#define MULTI_BO_EP 0x4c160
#define OUTFEED_CHUNK 0x4c058
#define FATAL_ERR_INT 0x4c060

static const uint32_t core_run[] = { 0x44018, 0x44158, 0x44198, 0x441d8, 0x44218 };
static const uint32_t tile_run[] = { 0x400c0, 0x40150, 0x40110, 0x40250, 0x40298,
				     0x402e0, 0x40328, 0x40190, 0x401d0, 0x40210 };
static const uint32_t top_int[] = { 0x4c070, 0x4c080, 0x4c090, 0x4c0a0 };
static const uint32_t abm[][2] = { { 0x1a500, 1 }, { 0x1a600, 1 }, { 0x1a558, 3 }, { 0x1a658, 3 } };

#define TRY(x) do { fsnn_status st_ = (x); if (st_) return st_; } while (0)

static fsnn_status rmw32(etpu_device *d, uint32_t a, uint32_t clear, uint32_t set, fsnn_error *err)
{
	uint64_t v;
	TRY(etpu_csr_read(d, a, 32, &v, err));
	return etpu_csr_write(d, a, 32, ((uint32_t)v & ~clear) | set, err);
}

static fsnn_status poll(etpu_device *d, uint32_t a, int bits, uint64_t mask, uint64_t want,
			const char *what, fsnn_error *err)
{
	for (int i = 0; i < POLL_MAX; i++) {
		uint64_t v;
		TRY(etpu_csr_read(d, a, bits, &v, err));
		if ((v & mask) == want)
			return FSNN_OK;
	}
	return etpu_err(err, FSNN_E_TIMEOUT, "edgetpu %s: %s (register 0x%x) not reached after %d reads",
			d->path, what, a, POLL_MAX);
}

static fsnn_status run_control(etpu_device *d, uint64_t v, fsnn_error *err)
{
	for (size_t i = 0; i < sizeof core_run / sizeof core_run[0]; i++)
		TRY(etpu_csr_write(d, core_run[i], 64, v, err));
	TRY(etpu_csr_write(d, TILECONFIG0, 64, 0x7f, err));
	TRY(poll(d, TILECONFIG0, 64, ~0ull, 0x7f, "tile broadcast select", err));
	for (size_t i = 0; i < sizeof tile_run / sizeof tile_run[0]; i++)
		TRY(etpu_csr_write(d, tile_run[i], 64, v, err));
	return FSNN_OK;
}

/* rg_force_sleep = 3, wait for the sleeping power state, clear credits. */
static fsnn_status enable_reset(etpu_device *d, uint32_t v3, fsnn_error *err)
{
	TRY(etpu_csr_write(d, SCU_CTRL_3, 32, (v3 & ~(3u << 22)) | (3u << 22), err));
	TRY(poll(d, SCU_CTRL_3, 32, 3u << 8, 2u << 8, "power state 'sleeping'", err));
	TRY(etpu_csr_write(d, GCBB_CREDIT0, 32, 0xf, err));
	return etpu_csr_write(d, GCBB_CREDIT0, 32, 0, err);
}

fsnn_status etpu_bringup(etpu_device *d, fsnn_error *err)
{
	uint64_t v;
	/* USB/PCIe inactive PHY modes off. */
	TRY(rmw32(d, SCU_CTRL_0, 0x3f00, 0, err));
	TRY(etpu_csr_read(d, SCU_CTRL_2, 32, &v, err));
	if (((v >> 18) & 3) == 1) /* hardware clock gating on: force the clock */
		TRY(rmw32(d, SCU_CTRL_2, 3u << 18, 2u << 18, err));
	TRY(etpu_csr_read(d, SCU_CTRL_3, 32, &v, err));
	if (((v >> 22) & 3) != 3) /* not in reset yet (freshly booted firmware is) */
		TRY(enable_reset(d, (uint32_t)v, err));
	/* Quit reset with the clocks of the performance level:
	 * bits 28-29 GCB divider, 30 AXI 125 MHz, 31 8051 250 MHz. */
	static const uint32_t clocks[] = { (3u << 28) | (1u << 30) | (1u << 31), (2u << 28) | (1u << 30),
					   (1u << 28) | (1u << 30), 0 };
	TRY(etpu_csr_read(d, SCU_CTRL_3, 32, &v, err));
	uint32_t v3 = ((uint32_t)v & ~(3u << 22) & ~(0xfu << 28)) | (2u << 22) | clocks[d->cfg.perf & 3];
	TRY(etpu_csr_write(d, SCU_CTRL_3, 32, v3, err));
	TRY(poll(d, SCU_CTRL_3, 32, 3u << 8, 0, "power state 'running'", err));
	TRY(poll(d, SCALAR_RUN, 64, ~0ull, 0, "scalar core idle", err));
	TRY(etpu_csr_write(d, IDLE_REG, 64, 1, err));
	TRY(etpu_csr_write(d, TILECONFIG0, 64, 0x7f, err));
	TRY(poll(d, TILECONFIG0, 64, ~0ull, 0x7f, "tile broadcast select", err));
	TRY(etpu_csr_write(d, DEEP_SLEEP, 64, 0x1e02, err));
	TRY(rmw32(d, SCU_CTRL_2, 3u << 18, 1u << 18, err)); /* hardware clock gating back on */
	TRY(etpu_csr_read(d, OMC0_00, 32, &v, err));        /* chip id / e-fuse revision */
	TRY(etpu_csr_write(d, DESCR_EP, 64, 0xf0, err));    /* events: scalar-core interrupts only */
	TRY(etpu_csr_write(d, MULTI_BO_EP, 64, 0, err));    /* single bulk-OUT endpoint, framed */
	/* Bulk-IN chunk in 8-byte units: 1024 B on SuperSpeed, 256 B below. */
	TRY(etpu_csr_write(d, OUTFEED_CHUNK, 64, d->speed >= ETPU_SPEED_SUPER || d->speed == 0 ? 0x80 : 0x20,
			   err));
	TRY(run_control(d, 1, err));
	TRY(etpu_csr_write(d, FATAL_ERR_INT, 64, 1, err));
	for (size_t i = 0; i < 4; i++)
		TRY(etpu_csr_write(d, top_int[i], 64, 1, err));
	TRY(rmw32(d, OMC0_D4, 0, 1u << 31, err));            /* thermal warning enable */
	TRY(rmw32(d, RAMBIST_CTRL_1, 0x770000, 0, err));     /* mbist status/mask cleared */
	TRY(rmw32(d, SCU_CTR_7, 0xf0000, 0, err));           /* pll/usb-select/boot failures */
	for (size_t i = 0; i < 4; i++)
		TRY(etpu_csr_write(d, abm[i][0], 32, abm[i][1], err));
	return rmw32(d, OMC0_D8, 0, 1u << 31, err);          /* thermal shutdown enable */
}

fsnn_status etpu_shutdown(etpu_device *d, fsnn_error *err)
{
	uint64_t v;
	for (size_t i = 0; i < 4; i++)
		TRY(etpu_csr_write(d, top_int[i], 64, 0, err));
	TRY(rmw32(d, OMC0_D4, 1u << 31, 0, err));
	TRY(rmw32(d, RAMBIST_CTRL_1, 0, 0x700000, err));
	TRY(rmw32(d, SCU_CTR_7, 0, 0xc0000, err));
	for (size_t i = 0; i < 4; i++)
		TRY(etpu_csr_write(d, abm[i][0], 32, 0, err));
	TRY(rmw32(d, OMC0_D8, 1u << 31, 0, err));
	TRY(etpu_csr_write(d, FATAL_ERR_INT, 64, 0, err));
	TRY(run_control(d, 2, err)); /* halt; leaving it halted without reset poisons later runs */
	TRY(etpu_csr_read(d, SCU_CTRL_3, 32, &v, err));
	return enable_reset(d, (uint32_t)v, err);
}

/* ---- DFU ---------------------------------------------------------------- */

static fsnn_status read_firmware(etpu_device *d, uint8_t **img, size_t *n, fsnn_error *err)
{
	const char *f = d->cfg.firmware;
	FILE *fp = fopen(f, "rb");
	if (fp == NULL)
		return etpu_err(err, FSNN_E_IO,
				"edgetpu %s is in its boot ROM and needs firmware, but %s cannot be read "
				"(see drivers/README.md: Coral USB Accelerator)", d->path, f);
	uint8_t *b = malloc(1 << 20);
	size_t got = b ? fread(b, 1, 1 << 20, fp) : 0;
	fclose(fp);
	if (b == NULL)
		return etpu_err(err, FSNN_E_NOMEM, "firmware %s: out of memory", f);
	if (got == 0 || got == 1 << 20 || (d->cfg.firmware_size >= 0 && (long)got != d->cfg.firmware_size)) {
		free(b);
		return etpu_err(err, FSNN_E_IO, "firmware %s: %zu bytes, expected %ld", f, got,
				d->cfg.firmware_size);
	}
	char hex[65];
	etpu_sha256_hex(b, got, hex);
	if (d->cfg.firmware_sha256[0] && strcmp(hex, d->cfg.firmware_sha256) != 0) {
		free(b);
		return etpu_err(err, FSNN_E_IO, "firmware %s: sha256 %s, expected %s", f, hex,
				d->cfg.firmware_sha256);
	}
	*img = b;
	*n = got;
	return FSNN_OK;
}

static fsnn_status dfu_status(etpu_device *d, uint8_t st[6], fsnn_error *err)
{
	int rc = d->usb->control(d->uu, d->h, 0xa1, 3, 0, 0, st, 6, d->cfg.timeout_ms);
	if (rc != 6)
		return etpu_usb_fail(d, err, rc, "DFU GETSTATUS");
	/* bwPollTimeout: the ROM asks the host to wait before the next request. */
	unsigned ms = st[1] | (st[2] << 8) | ((unsigned)st[3] << 16);
	if (ms > 0) {
		struct timespec ts = { 0, (long)(ms < 1000 ? ms : 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	return FSNN_OK;
}

static fsnn_status dfu_send(etpu_device *d, const uint8_t *img, size_t n, unsigned xfer,
			    fsnn_error *err)
{
	uint8_t st[6];
	uint16_t block = 0;
	for (size_t off = 0; off < n; off += xfer, block++) {
		uint16_t len = (uint16_t)(n - off < xfer ? n - off : xfer);
		int rc = d->usb->control(d->uu, d->h, 0x21, 1, block, 0, (uint8_t *)img + off, len,
					 d->cfg.timeout_ms);
		if (rc != len)
			return etpu_usb_fail(d, err, rc, "DFU DNLOAD block %u", block);
		TRY(dfu_status(d, st, err));
		if (st[0] != 0 || st[4] != 5) {
			if (st[4] == 10) /* dfuERROR: clear it so the next attempt starts in dfuIDLE */
				d->usb->control(d->uu, d->h, 0x21, 4, 0, 0, NULL, 0, d->cfg.timeout_ms);
			return etpu_err(err, FSNN_E_BACKEND,
					"edgetpu %s: DFU block %u of %s rejected (status %u, state %u; expected 0, 5)",
					d->path, block, d->cfg.firmware, st[0], st[4]);
		}
	}
	int rc = d->usb->control(d->uu, d->h, 0x21, 1, block, 0, NULL, 0, d->cfg.timeout_ms);
	if (rc != 0)
		return etpu_usb_fail(d, err, rc, "DFU DNLOAD end block %u", block);
	TRY(dfu_status(d, st, err));
	if (st[0] != 0 || st[4] != 2)
		return etpu_err(err, FSNN_E_BACKEND,
				"edgetpu %s: DFU manifestation of %s failed (status %u, state %u; expected 0, 2)",
				d->path, d->cfg.firmware, st[0], st[4]);
	return FSNN_OK;
}

/* Read the image back until a short block and compare the prefix. */
static fsnn_status dfu_verify(etpu_device *d, const uint8_t *img, size_t n, fsnn_error *err)
{
	uint8_t buf[256];
	size_t off = 0;
	for (uint16_t block = 0; block <= n / 256 + 1; block++) {
		int rc = d->usb->control(d->uu, d->h, 0xa1, 2, block, 0, buf, 256, d->cfg.timeout_ms);
		if (rc < 0)
			return etpu_usb_fail(d, err, rc, "DFU UPLOAD block %u", block);
		size_t cmp = off >= n ? 0 : (n - off < (size_t)rc ? n - off : (size_t)rc);
		if (memcmp(buf, img + off, cmp) != 0)
			return etpu_err(err, FSNN_E_BACKEND,
					"edgetpu %s: firmware read back differs from %s in block %u",
					d->path, d->cfg.firmware, block);
		off += (size_t)rc;
		if (rc < 256)
			return off >= n ? FSNN_OK
					: etpu_err(err, FSNN_E_BACKEND,
						   "edgetpu %s: firmware read back is %zu bytes, %zu sent",
						   d->path, off, n);
	}
	return etpu_err(err, FSNN_E_BACKEND, "edgetpu %s: firmware read back never ended", d->path);
}

fsnn_status etpu_dfu_download(etpu_device *d, fsnn_error *err)
{
	uint8_t *img = NULL;
	size_t n = 0;
	TRY(read_firmware(d, &img, &n, err));
	/* The DFU functional descriptor (type 0x21) gives the block size. */
	uint8_t cfgd[521];
	unsigned xfer = 256;
	int rc = d->usb->control(d->uu, d->h, 0x80, 6, 0x0200, 0, cfgd, sizeof cfgd, 1000);
	for (int p = 0; rc > 0 && p + 2 <= rc && cfgd[p] >= 2; p += cfgd[p])
		if (cfgd[p + 1] == 0x21 && cfgd[p] >= 7 && p + 7 <= rc)
			xfer = cfgd[p + 5] | (cfgd[p + 6] << 8);
	fsnn_status st = FSNN_OK;
	if (rc < 0)
		st = etpu_usb_fail(d, err, rc, "reading the DFU configuration descriptor");
	else if (xfer == 0 || xfer > 4096)
		st = etpu_err(err, FSNN_E_BACKEND, "edgetpu %s: DFU transfer size %u", d->path, xfer);
	else if ((rc = d->usb->claim(d->uu, d->h, 0)) != 0)
		st = etpu_usb_fail(d, err, rc, "claiming the DFU interface");
	/* A rejected block leaves the ROM in dfuIDLE after CLRSTATUS: start over once. */
	for (int attempt = 0; st == FSNN_OK && attempt < 2; attempt++) {
		st = dfu_send(d, img, n, xfer, err);
		if (st == FSNN_OK || d->lost)
			break;
		if (attempt == 0) {
			etpu_log(d, "%s; downloading again", err ? err->msg : "DFU failed");
			st = FSNN_OK;
		}
	}
	if (st == FSNN_OK)
		st = dfu_verify(d, img, n, err);
	free(img);
	if (st)
		return st;
	if ((rc = d->usb->release(d->uu, d->h, 0)) != 0)
		return etpu_usb_fail(d, err, rc, "releasing the DFU interface");
	/* The reset starts the firmware: the stick re-enumerates as 18d1:9302,
	 * which libusb reports as NOT_FOUND for the old handle. */
	rc = d->usb->reset(d->uu, d->h);
	if (rc != 0 && rc != ETPU_USB_E_NOT_FOUND && rc != ETPU_USB_E_NO_DEVICE)
		return etpu_usb_fail(d, err, rc, "resetting after the firmware download");
	return FSNN_OK;
}
