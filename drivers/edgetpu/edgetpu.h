/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * edgetpu — the Coral USB Accelerator (Edge TPU) driven in C over libusb-1.0.
 *
 * The stick has two USB identities: the boot ROM (1a6e:089a) after every
 * power-up, and the runtime firmware (18d1:9302) after the host downloads
 * it (DFU). The identity changes across that download, so a stick is named
 * by its bus/port path ("2-1.3"), never by its ID.
 *
 * The wire traffic (control requests, resets, interface claims, bulk-OUT
 * transfers and their boundaries) is the one Google's libedgetpu produces
 * for the same device answers; tests/edgetpu compares it with the goldens in
 * ../shared/coral-emulator. Unlike libedgetpu, nothing here aborts: every
 * USB error, timeout or unplug becomes an fsnn_status with a message naming
 * the device path and what was expected, and a later call can reopen the
 * stick (reset, firmware download again if it lost power).
 *
 * All USB access goes through etpu_usb_ops, so tests can put a double
 * behind it; NULL selects libusb-1.0.
 */
#ifndef FS_EDGETPU_H
#define FS_EDGETPU_H

#include <stddef.h>
#include <stdint.h>

#include "fsnn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ETPU_VID_BOOT 0x1a6e
#define ETPU_PID_BOOT 0x089a
#define ETPU_VID_RUNTIME 0x18d1
#define ETPU_PID_RUNTIME 0x9302

/* The published single-endpoint firmware (libedgetpu driver/usb/). The
 * project does not ship it; drivers/README.md says where to get it. */
#define ETPU_FIRMWARE_DEFAULT "/lib/firmware/edgetpu/apex_latest_single_ep.bin"
#define ETPU_FIRMWARE_SIZE 10783
#define ETPU_FIRMWARE_SHA256 "3b07311b174b81fd14fd2c887f40d646c0ebf2f140cc5ee5cf8befa0f3e3dc7f"

/* ---- the transport seam -------------------------------------------------
 * Return codes are libusb's (0 or a positive count on success, negative
 * LIBUSB_ERROR_* values on failure) so the libusb backend passes them
 * through; a test double uses the same numbers (ETPU_USB_E_*). */
enum {
	ETPU_USB_E_IO = -1,
	ETPU_USB_E_INVALID = -2,
	ETPU_USB_E_ACCESS = -3,
	ETPU_USB_E_NO_DEVICE = -4,
	ETPU_USB_E_NOT_FOUND = -5,
	ETPU_USB_E_BUSY = -6,
	ETPU_USB_E_TIMEOUT = -7,
	ETPU_USB_E_OVERFLOW = -8,
	ETPU_USB_E_PIPE = -9,
	ETPU_USB_E_NO_MEM = -11,
	ETPU_USB_E_OTHER = -99,
};

/* libusb_speed values. */
enum { ETPU_SPEED_UNKNOWN = 0, ETPU_SPEED_LOW = 1, ETPU_SPEED_FULL = 2,
       ETPU_SPEED_HIGH = 3, ETPU_SPEED_SUPER = 4, ETPU_SPEED_SUPER_PLUS = 5 };

typedef struct etpu_usb_dev {
	uint16_t vid, pid;
	char path[32];   /* "bus-port.port..." */
	int speed;       /* ETPU_SPEED_* */
} etpu_usb_dev;

typedef struct etpu_usb_ops {
	/* Fills up to max Coral sticks (either ID); returns the count or < 0. */
	int (*list)(void *user, etpu_usb_dev *out, int max);
	/* Opens the device at path; < 0 (NOT_FOUND when absent). */
	int (*open)(void *user, const char *path, void **handle);
	void (*close)(void *user, void *handle);
	/* 0: same device, handle still valid; ETPU_USB_E_NOT_FOUND: it
	 * re-enumerated (new identity), the handle is dead. */
	int (*reset)(void *user, void *handle);
	int (*claim)(void *user, void *handle, int itf);
	int (*release)(void *user, void *handle, int itf);
	/* Returns bytes transferred or < 0. */
	int (*control)(void *user, void *handle, uint8_t type, uint8_t req, uint16_t value,
		       uint16_t index, uint8_t *data, uint16_t len, unsigned timeout_ms);
	/* Bulk transfer; *actual gets the bytes moved even on error. */
	int (*bulk)(void *user, void *handle, uint8_t ep, uint8_t *data, int len, int *actual,
		    unsigned timeout_ms);
	int (*speed)(void *user, void *handle);
	const char *(*error_name)(int rc);
	void (*destroy)(void *user);
} etpu_usb_ops;

/* libusb-1.0 behind the seam; one libusb context per call. */
fsnn_status etpu_usb_libusb(const etpu_usb_ops **ops, void **user, fsnn_error *err);

/* ---- configuration ------------------------------------------------------ */

typedef enum etpu_perf { ETPU_PERF_LOW, ETPU_PERF_MEDIUM, ETPU_PERF_HIGH, ETPU_PERF_MAX } etpu_perf;

typedef struct etpu_config {
	char path[32];             /* "" = the first stick found */
	char firmware[256];        /* DFU image; ETPU_FIRMWARE_DEFAULT */
	long firmware_size;        /* expected size; < 0 = do not check */
	char firmware_sha256[65];  /* expected hex digest; "" = do not check */
	etpu_perf perf;            /* clocks; HIGH (libedgetpu1-std) by default */
	unsigned timeout_ms;       /* per USB transfer (6000) */
	unsigned event_timeout_ms; /* deadline for an inference's completion event (6000) */
	unsigned reenum_ms;        /* wait for the stick to come back after a reset (10000) */
	int attempts;              /* runs of one inference incl. reset-and-reopen retries (2) */
	/* Backend only: 0 = open the stick when a model is loaded, so the load
	 * fails without one (fsnn run --edgetpu); 1 = load regardless and open
	 * at the first inference, so a long-running caller can load once and
	 * fall back per inference while the stick is away (the firmware). */
	int lazy_open;
	/* Warnings (USB 2.0 link, recovery) go here; NULL = stderr. */
	void (*log)(void *log_user, const char *line);
	void *log_user;
	/* Transport; NULL = libusb-1.0 (created at etpu_device_new). */
	const etpu_usb_ops *usb;
	void *usb_user;
} etpu_config;

void etpu_config_init(etpu_config *cfg);

/* ---- discovery ---------------------------------------------------------- */

typedef struct etpu_device etpu_device;

/* Lists sticks in either identity; *n gets the count (≤ max). */
fsnn_status etpu_list(const etpu_config *cfg, etpu_usb_dev *out, int max, int *n, fsnn_error *err);
const char *etpu_speed_name(int speed); /* "USB 3 SuperSpeed (5 Gb/s)", ... */
/* Lower-case hex SHA-256 (firmware checks; tools print output hashes). */
fsnn_status etpu_sha256_hex(const uint8_t *data, size_t n, char out[65]);

/* ---- the device ---------------------------------------------------------
 * new: no I/O. open: find the stick, reset it, download the firmware when
 * it is in the boot ROM, wait for the runtime identity, bring it up. close:
 * the graceful sequence (interrupts off, halt, sleep, release). run opens
 * on demand and recovers (reset-and-reopen, bounded by cfg.attempts). */
fsnn_status etpu_device_new(const etpu_config *cfg, etpu_device **out, fsnn_error *err);
fsnn_status etpu_device_open(etpu_device *dev, fsnn_error *err);
void etpu_device_close(etpu_device *dev);
void etpu_device_free(etpu_device *dev);
int etpu_device_is_open(const etpu_device *dev);
const char *etpu_device_path(const etpu_device *dev); /* "" before the first open */
int etpu_device_speed(const etpu_device *dev);
/* Open only as far as the runtime identity (download the firmware if the
 * stick is in the boot ROM), without the bring-up. */
fsnn_status etpu_device_load_firmware(etpu_device *dev, fsnn_error *err);

/* ---- compiled models ----------------------------------------------------- */

typedef struct etpu_model etpu_model;

typedef struct etpu_layer_info {
	const char *name;
	int y, x, z;              /* dims (per batch element) */
	int data_type;            /* DarwiNN DataType: 0 uint8, 8 int8, ... */
	size_t bytes;             /* dense bytes y*x*z*elem */
	size_t padded_bytes;      /* what goes over USB */
	int32_t zero_point;
	float scale;
} etpu_layer_info;

/* From an edgetpu-custom-op's options (FlexBuffer map, key "4" = DWN1). */
fsnn_status etpu_model_from_options(const uint8_t *opts, size_t size, etpu_model **out,
				    fsnn_error *err);
/* From a whole *_edgetpu.tflite (its first edgetpu-custom-op). */
fsnn_status etpu_model_from_tflite(const uint8_t *file, size_t size, etpu_model **out,
				   fsnn_error *err);
void etpu_model_free(etpu_model *model);
int etpu_model_num_inputs(const etpu_model *model);
int etpu_model_num_outputs(const etpu_model *model);
fsnn_status etpu_model_input(const etpu_model *model, int i, etpu_layer_info *info);
fsnn_status etpu_model_output(const etpu_model *model, int i, etpu_layer_info *info);
/* One line per executable: type, token, chunks, parameters, hints. */
void etpu_model_describe(const etpu_model *model, void (*line)(void *u, const char *s), void *u);

/* One inference. inputs[i] holds input layer i's dense bytes (in_sizes[i]
 * ≥ its bytes); outputs[i] gets output layer i's dense bytes. Parameters
 * are sent only when the stick does not hold this model's (caching token).
 * A model is used by one inference at a time. */
fsnn_status etpu_run(etpu_device *dev, etpu_model *model, const void *const *inputs,
		     const size_t *in_sizes, void *const *outputs, const size_t *out_sizes,
		     fsnn_error *err);

/* ---- the fsnn backend ---------------------------------------------------
 * Claims "edgetpu-custom-op". The device opens at the first prepare (so a
 * model load fails clearly without a stick; cfg.lazy_open defers it to the
 * first inference) and reopens after failures. Free it after every model
 * loaded with it. */
fsnn_status etpu_backend_new(const etpu_config *cfg, fsnn_backend **out, fsnn_error *err);
void etpu_backend_free(fsnn_backend *backend);
/* The backend's device, e.g. to report its path and link speed. */
etpu_device *etpu_backend_device(const fsnn_backend *backend);

/* ---- command line --------------------------------------------------------
 * `fsedgetpu ARGS` and `fsnn edgetpu ARGS`: list, load-firmware [FILE], info
 * MODEL, run MODEL IN..., fsnn-run MODEL IN OUTPREFIX. argv[1] is the
 * command. Prints to stdout/stderr; returns the exit status. */
int etpu_tool_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif /* FS_EDGETPU_H */
