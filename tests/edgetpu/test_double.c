/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver against a test double behind etpu_usb_ops (no libusb, no
 * emulator): discovery failures, permissions, link speed policy, the DFU
 * path, the close sequence, and faults injected at chosen transfers —
 * each must end in an fsnn_status with a message naming the device, and a
 * later call must recover when the double is healthy again.
 */
#include <string.h>

#include "check.h"
#include "edgetpu/etpu_priv.h"

typedef struct dbl {
	bool present, deny, boot;
	int speed;
	int controls, bulks;       /* counters */
	int fail_control_at, fail_bulk_at, fail_rc;
	int event_tag;
	bool claimed;
	uint32_t reg_addr[128];
	uint64_t reg_val[128];
	int nregs;
	uint8_t img[16384];
	size_t img_n;
	bool dl_done;
	char log[512];
} dbl;

static uint64_t *reg(dbl *d, uint32_t a, uint64_t init)
{
	for (int i = 0; i < d->nregs; i++)
		if (d->reg_addr[i] == a)
			return &d->reg_val[i];
	if (d->nregs == 128)
		return &d->reg_val[0];
	d->reg_addr[d->nregs] = a;
	d->reg_val[d->nregs] = init;
	return &d->reg_val[d->nregs++];
}

static int d_list(void *u, etpu_usb_dev *out, int max)
{
	dbl *d = u;
	if (!d->present || max < 1)
		return 0;
	out[0] = (etpu_usb_dev){ d->boot ? ETPU_VID_BOOT : ETPU_VID_RUNTIME,
				 d->boot ? ETPU_PID_BOOT : ETPU_PID_RUNTIME, "1-2", d->speed };
	return 1;
}
static int d_open(void *u, const char *path, void **h)
{
	dbl *d = u;
	if (!d->present || strcmp(path, "1-2") != 0)
		return ETPU_USB_E_NOT_FOUND;
	if (d->deny)
		return ETPU_USB_E_ACCESS;
	*h = d;
	return 0;
}
static void d_close(void *u, void *h) { (void)u; (void)h; }
static int d_reset(void *u, void *h)
{
	dbl *d = u;
	(void)h;
	d->nregs = 0; /* a port reset restores the registers' reset values */
	if (d->boot && d->dl_done) {
		d->boot = false;
		return ETPU_USB_E_NOT_FOUND;
	}
	return d->present ? 0 : ETPU_USB_E_NO_DEVICE;
}
static int d_claim(void *u, void *h, int itf) { (void)h; (void)itf; ((dbl *)u)->claimed = true; return 0; }
static int d_release(void *u, void *h, int itf) { (void)h; (void)itf; ((dbl *)u)->claimed = false; return 0; }

static int d_control(void *u, void *h, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
		     uint8_t *data, uint16_t len, unsigned timeout_ms)
{
	dbl *d = u;
	(void)h;
	(void)timeout_ms;
	if (!d->present)
		return ETPU_USB_E_NO_DEVICE;
	if (++d->controls == d->fail_control_at)
		return d->fail_rc;
	if (type == 0x80 && value == 0x0100) {
		memset(data, 0, len);
		uint16_t vid = d->boot ? ETPU_VID_BOOT : ETPU_VID_RUNTIME, pid = d->boot ? ETPU_PID_BOOT : ETPU_PID_RUNTIME;
		data[0] = 18, data[1] = 1, data[8] = (uint8_t)vid, data[9] = (uint8_t)(vid >> 8);
		data[10] = (uint8_t)pid, data[11] = (uint8_t)(pid >> 8);
		return 18;
	}
	if (type == 0x80 && value == 0x0200) { /* DFU config: functional descriptor, 256-byte blocks */
		static const uint8_t c[] = { 9, 2, 27, 0, 1, 1, 0, 0x80, 0x70, 9, 4, 0, 0, 0, 0xfe, 1, 2, 0,
					     9, 0x21, 7, 0xe8, 3, 0, 1, 1, 1 };
		memcpy(data, c, sizeof c);
		return sizeof c;
	}
	if (type == 0x21 && req == 1) { /* DNLOAD */
		if (len == 0) {
			d->dl_done = true;
			return 0;
		}
		memcpy(d->img + (size_t)value * 256, data, len);
		d->img_n = (size_t)value * 256 + len;
		return len;
	}
	if (type == 0xa1 && req == 3) {
		memset(data, 0, 6);
		data[4] = d->dl_done ? 2 : 5;
		return 6;
	}
	if (type == 0xa1 && req == 2) {
		size_t off = (size_t)value * 256, k = off >= d->img_n ? 0 : d->img_n - off;
		k = k > len ? len : k;
		memcpy(data, d->img + off, k);
		return (int)k;
	}
	uint32_t a = ((uint32_t)index << 16) | value;
	uint64_t init = a == 0x1a318 ? 0x80c5025c : a == 0x1a000 ? 0x89a : 0;
	uint64_t *r = reg(d, a, init);
	if (type == 0xc0) {
		uint64_t v = *r;
		if (a == 0x1a318) /* cur_pwr_state follows force_sleep at once */
			v = (v & ~0x300ull) | ((((v >> 22) & 3) == 3 ? 2ull : 0ull) << 8);
		for (int i = 0; i < len; i++)
			data[i] = (uint8_t)(v >> (8 * i));
		return len;
	}
	if (type == 0x40) {
		uint64_t v = 0;
		for (int i = len - 1; i >= 0; i--)
			v = (v << 8) | data[i];
		*r = v;
		return len;
	}
	return ETPU_USB_E_PIPE;
}

static int d_bulk(void *u, void *h, uint8_t ep, uint8_t *data, int len, int *actual, unsigned t)
{
	dbl *d = u;
	(void)h;
	(void)t;
	*actual = 0;
	if (!d->present)
		return ETPU_USB_E_NO_DEVICE;
	if (++d->bulks == d->fail_bulk_at) {
		if (d->fail_rc == ETPU_USB_E_NO_DEVICE)
			d->present = false;
		return d->fail_rc;
	}
	if (ep == 0x01) {
		*actual = len;
		return 0;
	}
	if (ep == 0x81) { /* an endless stream of full chunks */
		int k = len < 1024 ? len : 1024;
		for (int i = 0; i < k; i++)
			data[i] = (uint8_t)(i * 7);
		*actual = k;
		return 0;
	}
	if (ep == 0x82) {
		memset(data, 0, 16);
		data[12] = (uint8_t)d->event_tag;
		*actual = 16;
		return 0;
	}
	return ETPU_USB_E_IO;
}
static int d_speed(void *u, void *h) { (void)h; return ((dbl *)u)->speed; }
static const char *d_name(int rc) { return rc == ETPU_USB_E_NO_DEVICE ? "NO_DEVICE" : rc == ETPU_USB_E_TIMEOUT ? "TIMEOUT" : "ERR"; }

static const etpu_usb_ops ops = { d_list, d_open, d_close, d_reset, d_claim, d_release,
				  d_control, d_bulk, d_speed, d_name, NULL };

static void d_log(void *u, const char *line)
{
	dbl *d = u;
	snprintf(d->log, sizeof d->log, "%s", line);
}

static void setup(dbl *d, etpu_config *cfg)
{
	memset(d, 0, sizeof *d);
	d->present = true;
	d->speed = ETPU_SPEED_SUPER;
	d->event_tag = 4;
	etpu_config_init(cfg);
	cfg->usb = &ops;
	cfg->usb_user = d;
	cfg->log = d_log;
	cfg->log_user = d;
}

int main(void)
{
	check_state s = { 0 };
	const char *shared = check_shared_dir();
	char path[1024];
	size_t n = 0;
	check_sfmt(path, sizeof path, "%s/models/tflite/mobilenet_v1_0.25_128_quant_edgetpu.tflite",
		   shared ? shared : ".");
	uint8_t *file = check_read_all(path, &n);
	etpu_model *m = NULL;
	fsnn_error err = { 0, "" };
	if (file == NULL || etpu_model_from_tflite(file, n, &m, &err) != FSNN_OK) {
		printf("SKIP edgetpu_double: %s not readable\n", path);
		free(file);
		return 0;
	}
	static uint8_t in[49152], out[1001];
	const void *ins[1] = { in };
	void *outs[1] = { out };
	size_t in_n[1] = { sizeof in }, out_n[1] = { sizeof out };
	dbl d;
	etpu_config cfg;
	etpu_device *dev = NULL;

	check_begin(&s, "double/absent");
	setup(&d, &cfg);
	d.present = false;
	etpu_device_new(&cfg, &dev, &err);
	fsnn_status st = etpu_run(dev, m, ins, in_n, outs, out_n, &err);
	CHECK(&s, st == FSNN_E_BACKEND && strstr(err.msg, "no Coral USB Accelerator found"), "%d %s", st, err.msg);
	/* Plugged in later: the next call finds it. */
	d.present = true;
	st = etpu_run(dev, m, ins, in_n, outs, out_n, &err);
	CHECK(&s, st == FSNN_OK, "after plugging in: %s", err.msg);
	etpu_device_free(dev);
	check_end(&s);

	check_begin(&s, "double/permission");
	setup(&d, &cfg);
	d.deny = true;
	etpu_device_new(&cfg, &dev, &err);
	st = etpu_device_open(dev, &err);
	CHECK(&s, st == FSNN_E_BACKEND && strstr(err.msg, "1-2: no permission") &&
		  strstr(err.msg, "99-fieldscope-edgetpu.rules"), "%s", err.msg);
	etpu_device_free(dev);
	check_end(&s);

	check_begin(&s, "double/open_run_close");
	setup(&d, &cfg);
	etpu_device_new(&cfg, &dev, &err);
	st = etpu_device_open(dev, &err);
	CHECK(&s, st == FSNN_OK && d.controls == 53 && d.claimed,
	      "open: %s, %d control transfers (53 expected)", err.msg, d.controls);
	CHECK(&s, *reg(&d, 0x4c058, 0) == 0x80 && *reg(&d, 0x1a318, 0) == 0x5085025c,
	      "chunk length / clocks");
	int b0 = d.bulks;
	st = etpu_run(dev, m, ins, in_n, outs, out_n, &err);
	CHECK(&s, st == FSNN_OK && d.bulks - b0 == 11, "first run: %s, %d bulk transfers", err.msg, d.bulks - b0);
	b0 = d.bulks;
	st = etpu_run(dev, m, ins, in_n, outs, out_n, &err);
	CHECK(&s, st == FSNN_OK && d.bulks - b0 == 6, "cached parameters not reused: %d transfers", d.bulks - b0);
	etpu_device_close(dev);
	CHECK(&s, !d.claimed && *reg(&d, 0x44018, 0) == 2 && *reg(&d, 0x1a318, 0) == 0x50c5005c,
	      "close: interface %d, run control %llu", d.claimed, (unsigned long long)*reg(&d, 0x44018, 0));
	etpu_device_free(dev);
	check_end(&s);

	check_begin(&s, "double/unplug_then_recover");
	setup(&d, &cfg);
	d.fail_bulk_at = 3;
	d.fail_rc = ETPU_USB_E_NO_DEVICE;
	etpu_device_new(&cfg, &dev, &err);
	st = etpu_run(dev, m, ins, in_n, outs, out_n, &err);
	CHECK(&s, st == FSNN_E_BACKEND && strstr(err.msg, "edgetpu 1-2: device unplugged"), "%s", err.msg);
	d.present = true; /* re-plugged */
	st = etpu_run(dev, m, ins, in_n, outs, out_n, &err);
	CHECK(&s, st == FSNN_OK, "after re-plug: %s", err.msg);
	etpu_device_free(dev);
	check_end(&s);

	check_begin(&s, "double/bad_event");
	setup(&d, &cfg);
	d.event_tag = 7;
	etpu_device_new(&cfg, &dev, &err);
	st = etpu_run(dev, m, ins, in_n, outs, out_n, &err);
	CHECK(&s, st == FSNN_E_BACKEND && strstr(err.msg, "unexpected event on EP 0x82") &&
		  strstr(d.log, "retrying"), "%s / log %s", err.msg, d.log);
	etpu_device_free(dev);
	check_end(&s);

	check_begin(&s, "double/control_timeout");
	setup(&d, &cfg);
	d.fail_control_at = 10;
	d.fail_rc = ETPU_USB_E_TIMEOUT;
	cfg.attempts = 1;
	etpu_device_new(&cfg, &dev, &err);
	st = etpu_run(dev, m, ins, in_n, outs, out_n, &err);
	CHECK(&s, st == FSNN_E_TIMEOUT && strstr(err.msg, "edgetpu 1-2: writing register 0x4a000"),
	      "%d %s", st, err.msg);
	etpu_device_free(dev);
	check_end(&s);

	check_begin(&s, "double/dfu");
	setup(&d, &cfg);
	d.boot = true;
	char fw[] = "/tmp/fs_etpu_fwXXXXXX";
	int fd = mkstemp(fw);
	uint8_t img[3000];
	for (size_t i = 0; i < sizeof img; i++)
		img[i] = (uint8_t)(i * 31);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (f != NULL) {
		fwrite(img, 1, sizeof img, f);
		fclose(f);
	}
	snprintf(cfg.firmware, sizeof cfg.firmware, "%s", fw);
	cfg.firmware_size = sizeof img;
	etpu_sha256_hex(img, sizeof img, cfg.firmware_sha256);
	etpu_device_new(&cfg, &dev, &err);
	st = etpu_run(dev, m, ins, in_n, outs, out_n, &err);
	CHECK(&s, st == FSNN_OK && !d.boot && d.img_n == sizeof img && memcmp(d.img, img, sizeof img) == 0,
	      "%s", err.msg);
	etpu_device_free(dev);
	remove(fw);
	check_end(&s);

	check_begin(&s, "double/usb2_warns");
	setup(&d, &cfg);
	d.speed = ETPU_SPEED_HIGH;
	etpu_device_new(&cfg, &dev, &err);
	st = etpu_device_open(dev, &err);
	CHECK(&s, st == FSNN_OK && strstr(d.log, "USB 2.0") && *reg(&d, 0x4c058, 0) == 0x20,
	      "%s / log '%s'", err.msg, d.log);
	etpu_device_free(dev);
	check_end(&s);

	check_begin(&s, "double/usb1_refused");
	setup(&d, &cfg);
	d.speed = ETPU_SPEED_FULL;
	etpu_device_new(&cfg, &dev, &err);
	st = etpu_device_open(dev, &err);
	CHECK(&s, st == FSNN_E_UNSUPPORTED && strstr(err.msg, "full speed"), "%s", err.msg);
	etpu_device_free(dev);
	check_end(&s);

	/* The firmware's way: load once with a lazy backend, then every invoke
	 * either runs on the stick or fails with a message (the caller falls
	 * back to the CPU model for that FOV); a re-plugged stick is used again. */
	check_begin(&s, "double/backend_lazy_fallback");
	setup(&d, &cfg);
	d.present = false;
	cfg.lazy_open = 1;
	fsnn_backend *be = NULL;
	fsnn_model *fm = NULL;
	fsnn_context *ctx = NULL;
	st = etpu_backend_new(&cfg, &be, &err);
	const fsnn_backend *bes[1] = { be };
	fsnn_load_options lo = { .backends = bes, .num_backends = 1 };
	if (st == FSNN_OK)
		st = fsnn_model_load_file(path, &lo, &fm, &err);
	if (st == FSNN_OK)
		st = fsnn_context_new(fm, &ctx, &err);
	CHECK(&s, st == FSNN_OK, "lazy load without a stick: %s", err.msg);
	if (st == FSNN_OK) {
		st = fsnn_invoke(ctx, &err);
		CHECK(&s, st == FSNN_E_BACKEND && strstr(err.msg, "no Coral USB Accelerator found"),
		      "absent: %d %s", st, err.msg);
		d.present = true;
		st = fsnn_invoke(ctx, &err);
		CHECK(&s, st == FSNN_OK, "plugged in: %s", err.msg);
		d.fail_bulk_at = d.bulks + 2;
		d.fail_rc = ETPU_USB_E_NO_DEVICE;
		st = fsnn_invoke(ctx, &err);
		CHECK(&s, st == FSNN_E_BACKEND && strstr(err.msg, "unplugged"), "unplug: %d %s", st, err.msg);
		d.present = true;
		st = fsnn_invoke(ctx, &err);
		CHECK(&s, st == FSNN_OK, "re-plugged: %s", err.msg);
		CHECK(&s, etpu_device_is_open(etpu_backend_device(be)), "device not open after recovery");
	}
	fsnn_context_free(ctx);
	fsnn_model_free(fm);
	etpu_backend_free(be);
	check_end(&s);

	etpu_model_free(m);
	free(file);
	return check_exit(&s);
}
