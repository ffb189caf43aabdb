/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libusb-1.0 behind etpu_usb_ops. Only this file includes <libusb.h>, so
 * the driver logic can run against a test double. Each instance has its
 * own libusb context (no global state; libusb's default context is never
 * used). Synchronous transfers only: the driver walks the DMA hints in
 * order, which also keeps the rule that no bulk-OUT starts while a bulk-IN
 * is incomplete (single-endpoint mode deadlocks otherwise).
 */
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu_priv.h"

typedef struct lu {
	libusb_context *ctx;
} lu;

static bool is_coral(const struct libusb_device_descriptor *d)
{
	return (d->idVendor == ETPU_VID_BOOT && d->idProduct == ETPU_PID_BOOT) ||
	       (d->idVendor == ETPU_VID_RUNTIME && d->idProduct == ETPU_PID_RUNTIME);
}

/* "bus-port.port...", the kernel's name under /sys/bus/usb/devices. */
static void dev_path(libusb_device *d, char *out, size_t n)
{
	uint8_t ports[8];
	int np = libusb_get_port_numbers(d, ports, (int)sizeof ports);
	int k = snprintf(out, n, "%u-", (unsigned)libusb_get_bus_number(d));
	for (int i = 0; i < np && k > 0 && (size_t)k < n; i++)
		k += snprintf(out + k, n - (size_t)k, i ? ".%u" : "%u", (unsigned)ports[i]);
}

static int lu_list(void *user, etpu_usb_dev *out, int max)
{
	lu *u = user;
	libusb_device **list;
	ssize_t n = libusb_get_device_list(u->ctx, &list);
	if (n < 0)
		return (int)n;
	int found = 0;
	for (ssize_t i = 0; i < n && found < max; i++) {
		struct libusb_device_descriptor d;
		if (libusb_get_device_descriptor(list[i], &d) != 0 || !is_coral(&d))
			continue;
		etpu_usb_dev *o = &out[found++];
		o->vid = d.idVendor;
		o->pid = d.idProduct;
		o->speed = libusb_get_device_speed(list[i]);
		dev_path(list[i], o->path, sizeof o->path);
	}
	libusb_free_device_list(list, 1);
	return found;
}

static int lu_open(void *user, const char *path, void **handle)
{
	lu *u = user;
	libusb_device **list;
	ssize_t n = libusb_get_device_list(u->ctx, &list);
	if (n < 0)
		return (int)n;
	int rc = LIBUSB_ERROR_NOT_FOUND;
	for (ssize_t i = 0; i < n; i++) {
		struct libusb_device_descriptor d;
		char p[32];
		if (libusb_get_device_descriptor(list[i], &d) != 0 || !is_coral(&d))
			continue;
		dev_path(list[i], p, sizeof p);
		if (strcmp(p, path) != 0)
			continue;
		libusb_device_handle *h = NULL;
		rc = libusb_open(list[i], &h);
		if (rc == 0)
			*handle = h;
		break;
	}
	libusb_free_device_list(list, 1);
	return rc;
}

static void lu_close(void *user, void *h)
{
	(void)user;
	libusb_close(h);
}

static int lu_reset(void *user, void *h)
{
	(void)user;
	return libusb_reset_device(h);
}

static int lu_claim(void *user, void *h, int itf)
{
	(void)user;
	return libusb_claim_interface(h, itf);
}

static int lu_release(void *user, void *h, int itf)
{
	(void)user;
	return libusb_release_interface(h, itf);
}

static int lu_control(void *user, void *h, uint8_t type, uint8_t req, uint16_t value,
		      uint16_t index, uint8_t *data, uint16_t len, unsigned timeout_ms)
{
	(void)user;
	return libusb_control_transfer(h, type, req, value, index, data, len, timeout_ms);
}

static int lu_bulk(void *user, void *h, uint8_t ep, uint8_t *data, int len, int *actual,
		   unsigned timeout_ms)
{
	(void)user;
	*actual = 0;
	return libusb_bulk_transfer(h, ep, data, len, actual, timeout_ms);
}

static int lu_speed(void *user, void *h)
{
	(void)user;
	return libusb_get_device_speed(libusb_get_device(h));
}

static const char *lu_error_name(int rc)
{
	return libusb_error_name(rc);
}

static void lu_destroy(void *user)
{
	lu *u = user;
	libusb_exit(u->ctx);
	free(u);
}

static const etpu_usb_ops lu_ops = {
	.list = lu_list,
	.open = lu_open,
	.close = lu_close,
	.reset = lu_reset,
	.claim = lu_claim,
	.release = lu_release,
	.control = lu_control,
	.bulk = lu_bulk,
	.speed = lu_speed,
	.error_name = lu_error_name,
	.destroy = lu_destroy,
};

fsnn_status etpu_usb_libusb(const etpu_usb_ops **ops, void **user, fsnn_error *err)
{
	lu *u = calloc(1, sizeof *u);
	if (u == NULL)
		return etpu_err(err, FSNN_E_NOMEM, "edgetpu: out of memory");
	int rc = libusb_init(&u->ctx);
	if (rc != 0) {
		free(u);
		return etpu_err(err, FSNN_E_BACKEND, "edgetpu: libusb_init failed: %s",
				libusb_error_name(rc));
	}
	*ops = &lu_ops;
	*user = u;
	return FSNN_OK;
}
