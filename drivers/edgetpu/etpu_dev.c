/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finding, opening and closing the stick. It is followed by its bus/port
 * path because the USB ID changes when the firmware starts. Every open
 * resets the port first (as libedgetpu does: whatever a previous process
 * left running on the chip is stopped), downloads the firmware when the
 * boot ROM answers, then brings the runtime up.
 */
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etpu_priv.h"

void etpu_config_init(etpu_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->firmware, sizeof cfg->firmware, "%s", ETPU_FIRMWARE_DEFAULT);
	cfg->firmware_size = ETPU_FIRMWARE_SIZE;
	snprintf(cfg->firmware_sha256, sizeof cfg->firmware_sha256, "%s", ETPU_FIRMWARE_SHA256);
	cfg->perf = ETPU_PERF_HIGH;
	cfg->timeout_ms = 6000;
	cfg->event_timeout_ms = 6000;
	cfg->reenum_ms = 10000;
	cfg->attempts = 2;
}

fsnn_status etpu_sha256_hex(const uint8_t *d, size_t n, char out[65])
{
	struct sha256_ctx c;
	uint8_t dig[SHA256_DIGEST_SIZE];
	sha256_init(&c);
	sha256_update(&c, n, d);
	sha256_digest(&c, sizeof dig, dig);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", dig[i]);
	return FSNN_OK;
}

void etpu_log(const etpu_device *dev, const char *fmt, ...)
{
	char msg[FSNN_ERROR_MSG_MAX], line[FSNN_ERROR_MSG_MAX + 48];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Error messages passed on already name the device. */
	if (strncmp(msg, "edgetpu", 7) == 0)
		snprintf(line, sizeof line, "%s", msg);
	else
		snprintf(line, sizeof line, "edgetpu %s: %s", dev->path[0] ? dev->path : "-", msg);
	if (dev->cfg.log != NULL)
		dev->cfg.log(dev->cfg.log_user, line);
	else
		fprintf(stderr, "%s\n", line);
}

fsnn_status etpu_usb_fail(etpu_device *dev, fsnn_error *err, int rc, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	const char *name = dev->usb->error_name ? dev->usb->error_name(rc) : "?";
	if (rc == ETPU_USB_E_NO_DEVICE) {
		dev->lost = true;
		return etpu_err(err, FSNN_E_BACKEND, "edgetpu %s: device unplugged (during %s: %s)",
				dev->path, what, name);
	}
	if (rc == ETPU_USB_E_TIMEOUT)
		return etpu_err(err, FSNN_E_TIMEOUT, "edgetpu %s: %s: no answer within %u ms (%s)",
				dev->path, what, dev->cfg.timeout_ms, name);
	if (rc >= 0)
		return etpu_err(err, FSNN_E_BACKEND, "edgetpu %s: %s: short transfer (%d bytes)",
				dev->path, what, rc);
	return etpu_err(err, FSNN_E_BACKEND, "edgetpu %s: %s failed: %s", dev->path, what, name);
}

fsnn_status etpu_csr_read(etpu_device *d, uint32_t addr, int bits, uint64_t *v, fsnn_error *err)
{
	uint8_t b[8] = { 0 };
	uint16_t n = (uint16_t)(bits / 8);
	int rc = d->usb->control(d->uu, d->h, 0xc0, bits == 64 ? 0 : 1, addr & 0xffff,
				 (uint16_t)(addr >> 16), b, n, d->cfg.timeout_ms);
	if (rc != n)
		return etpu_usb_fail(d, err, rc, "reading register 0x%05x", addr);
	*v = 0;
	for (int i = n - 1; i >= 0; i--)
		*v = (*v << 8) | b[i];
	return FSNN_OK;
}

fsnn_status etpu_csr_write(etpu_device *d, uint32_t addr, int bits, uint64_t v, fsnn_error *err)
{
	uint8_t b[8];
	uint16_t n = (uint16_t)(bits / 8);
	for (int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	int rc = d->usb->control(d->uu, d->h, 0x40, bits == 64 ? 0 : 1, addr & 0xffff,
				 (uint16_t)(addr >> 16), b, n, d->cfg.timeout_ms);
	if (rc != n)
		return etpu_usb_fail(d, err, rc, "writing register 0x%05x", addr);
	return FSNN_OK;
}

const char *etpu_speed_name(int speed)
{
	switch (speed) {
	case ETPU_SPEED_LOW: return "USB 1.x low speed (1.5 Mb/s)";
	case ETPU_SPEED_FULL: return "USB 1.x full speed (12 Mb/s)";
	case ETPU_SPEED_HIGH: return "USB 2.0 high speed (480 Mb/s)";
	case ETPU_SPEED_SUPER: return "USB 3 SuperSpeed (5 Gb/s)";
	case ETPU_SPEED_SUPER_PLUS: return "USB 3 SuperSpeed+ (10 Gb/s)";
	default: return "unknown speed";
	}
}

static fsnn_status transport(const etpu_config *cfg, const etpu_usb_ops **ops, void **u,
			     bool *own, fsnn_error *err)
{
	*own = cfg->usb == NULL;
	if (!*own) {
		*ops = cfg->usb;
		*u = cfg->usb_user;
		return FSNN_OK;
	}
	return etpu_usb_libusb(ops, u, err);
}

fsnn_status etpu_list(const etpu_config *cfg, etpu_usb_dev *out, int max, int *n, fsnn_error *err)
{
	const etpu_usb_ops *ops;
	void *u;
	bool own;
	*n = 0;
	fsnn_status st = transport(cfg, &ops, &u, &own, err);
	if (st)
		return st;
	int rc = ops->list(u, out, max);
	if (own)
		ops->destroy(u);
	if (rc < 0)
		return etpu_err(err, FSNN_E_BACKEND, "edgetpu: listing USB devices failed: %s",
				ops->error_name ? ops->error_name(rc) : "?");
	*n = rc;
	return FSNN_OK;
}

fsnn_status etpu_device_new(const etpu_config *cfg, etpu_device **out, fsnn_error *err)
{
	etpu_device *d = calloc(1, sizeof *d);
	if (d == NULL)
		return etpu_err(err, FSNN_E_NOMEM, "edgetpu: out of memory");
	if (cfg != NULL)
		d->cfg = *cfg;
	else
		etpu_config_init(&d->cfg);
	fsnn_status st = transport(&d->cfg, &d->usb, &d->uu, &d->own_usb, err);
	if (st) {
		free(d);
		return st;
	}
	snprintf(d->path, sizeof d->path, "%s", d->cfg.path);
	*out = d;
	return FSNN_OK;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Finds the stick (at d->path, or the first one) within wait_ms; want_pid
 * 0 accepts either identity. Opens it into d->h. */
static fsnn_status find_open(etpu_device *d, uint16_t want_pid, unsigned wait_ms, uint16_t *pid,
			     fsnn_error *err)
{
	uint64_t end = now_ms() + wait_ms;
	etpu_usb_dev devs[8];
	for (;;) {
		int n = d->usb->list(d->uu, devs, 8);
		for (int i = 0; i < n; i++) {
			if ((d->path[0] && strcmp(devs[i].path, d->path) != 0) ||
			    (want_pid && devs[i].pid != want_pid))
				continue;
			snprintf(d->path, sizeof d->path, "%s", devs[i].path);
			int rc = d->usb->open(d->uu, d->path, &d->h);
			if (rc == 0) {
				d->lost = false;
				*pid = devs[i].pid;
				return FSNN_OK;
			}
			if (rc == ETPU_USB_E_ACCESS)
				return etpu_err(err, FSNN_E_BACKEND,
						"edgetpu %s: no permission to open it (install "
						"drivers/edgetpu/99-fieldscope-edgetpu.rules, join group fieldscope)",
						d->path);
		}
		if (now_ms() >= end)
			break;
		sleep_ms(20);
	}
	if (want_pid == ETPU_PID_RUNTIME)
		return etpu_err(err, FSNN_E_TIMEOUT,
				"edgetpu %s: did not come back as 18d1:9302 within %u ms after the reset",
				d->path, wait_ms);
	return etpu_err(err, FSNN_E_BACKEND,
			"edgetpu: no Coral USB Accelerator found%s%s (looked for 1a6e:089a and 18d1:9302)",
			d->path[0] ? " at " : "", d->path);
}

static void drop_handle(etpu_device *d)
{
	if (d->h != NULL)
		d->usb->close(d->uu, d->h);
	d->h = NULL;
	d->up = false;
}

/* Reset + (DFU if needed) until the runtime identity is open in d->h. */
static fsnn_status to_runtime(etpu_device *d, fsnn_error *err)
{
	uint16_t pid = 0;
	snprintf(d->path, sizeof d->path, "%s", d->cfg.path);
	fsnn_status st = find_open(d, 0, 0, &pid, err);
	if (st)
		return st;
	/* The device descriptor from the device itself, not libusb's cache. */
	uint8_t desc[18];
	int rc = d->usb->control(d->uu, d->h, 0x80, 6, 0x0100, 0, desc, sizeof desc, 1000);
	if (rc != (int)sizeof desc)
		return etpu_usb_fail(d, err, rc, "reading the device descriptor");
	pid = (uint16_t)(desc[10] | (desc[11] << 8));
	rc = d->usb->reset(d->uu, d->h);
	if (rc == ETPU_USB_E_NOT_FOUND) { /* came back as someone else: find it again */
		drop_handle(d);
		if ((st = find_open(d, 0, d->cfg.reenum_ms, &pid, err)))
			return st;
	} else if (rc != 0) {
		return etpu_usb_fail(d, err, rc, "resetting the port");
	}
	if (pid == ETPU_PID_BOOT) {
		if ((st = etpu_dfu_download(d, err)))
			return st;
		drop_handle(d);
		if ((st = find_open(d, ETPU_PID_RUNTIME, d->cfg.reenum_ms, &pid, err)))
			return st;
	} else if (pid != ETPU_PID_RUNTIME) {
		return etpu_err(err, FSNN_E_BACKEND, "edgetpu %s: unrecognised product id %04x", d->path,
				pid);
	}
	d->speed = d->usb->speed ? d->usb->speed(d->uu, d->h) : 0;
	return FSNN_OK;
}

fsnn_status etpu_device_load_firmware(etpu_device *d, fsnn_error *err)
{
	etpu_device_close(d);
	fsnn_status st = to_runtime(d, err);
	drop_handle(d);
	return st;
}

fsnn_status etpu_device_open(etpu_device *d, fsnn_error *err)
{
	if (d->h != NULL && d->up && !d->lost)
		return FSNN_OK;
	etpu_device_close(d);
	fsnn_status st = to_runtime(d, err);
	int rc;
	if (st == FSNN_OK && d->speed > 0 && d->speed < ETPU_SPEED_HIGH)
		st = etpu_err(err, FSNN_E_UNSUPPORTED, "edgetpu %s: %s link; the Edge TPU needs USB 2.0 or 3",
			      d->path, etpu_speed_name(d->speed));
	if (st == FSNN_OK && (rc = d->usb->claim(d->uu, d->h, 0)) != 0)
		st = etpu_usb_fail(d, err, rc, "claiming interface 0");
	if (st == FSNN_OK && (st = etpu_bringup(d, err)) != FSNN_OK)
		d->usb->release(d->uu, d->h, 0);
	if (st) {
		drop_handle(d);
		return st;
	}
	if (d->speed == ETPU_SPEED_HIGH)
		etpu_log(d, "warning: %s link; inference will be several times slower than on a "
			 "USB 3 port (blue port on a Raspberry Pi 4/5)", etpu_speed_name(d->speed));
	d->up = true;
	d->cached_token = 0;
	d->cached_model = NULL;
	d->in_pos = d->in_len = 0;
	return FSNN_OK;
}

void etpu_device_close(etpu_device *d)
{
	if (d == NULL)
		return;
	if (d->h != NULL && d->up && !d->lost) {
		fsnn_error e;
		/* Best effort: a failing step means the stick is gone or wedged, and
		 * the next open resets it anyway. */
		if (etpu_shutdown(d, &e) == FSNN_OK)
			d->usb->release(d->uu, d->h, 0);
	}
	drop_handle(d);
}

void etpu_device_free(etpu_device *d)
{
	if (d == NULL)
		return;
	etpu_device_close(d);
	if (d->own_usb)
		d->usb->destroy(d->uu);
	free(d);
}

int etpu_device_is_open(const etpu_device *d) { return d->h != NULL && d->up && !d->lost; }
const char *etpu_device_path(const etpu_device *d) { return d->path; }
int etpu_device_speed(const etpu_device *d) { return d->speed; }
