/* SPDX-License-Identifier: BSD-3-Clause */
/* "v4l2" backend: V4L2 memory-mapped streaming from USB/industrial cameras.
 * Delivers grey from GREY, Y10, Y12, Y16, YUYV (luma) or 8-bit Bayer
 * (2x2 average, so all four orders give the same grey). */
#include "camera_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_BUFS 16

typedef struct vbuf {
	void *start;
	size_t length;
} vbuf;

typedef struct v4l2 {
	int fd;
	char dev[256];
	uint32_t fourcc;
	int width, height, depth;
	uint32_t stride;
	vbuf bufs[MAX_BUFS];
	int n_bufs;
	bool streaming;
} v4l2;

/* Formats we can turn into grey, best first for each delivered depth. */
static const uint32_t pref16[] = { V4L2_PIX_FMT_Y16, V4L2_PIX_FMT_Y12, V4L2_PIX_FMT_Y10,
	V4L2_PIX_FMT_GREY, V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_SBGGR8, V4L2_PIX_FMT_SGBRG8,
	V4L2_PIX_FMT_SGRBG8, V4L2_PIX_FMT_SRGGB8 };
static const uint32_t pref8[] = { V4L2_PIX_FMT_GREY, V4L2_PIX_FMT_Y16, V4L2_PIX_FMT_Y12,
	V4L2_PIX_FMT_Y10, V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_SBGGR8, V4L2_PIX_FMT_SGBRG8,
	V4L2_PIX_FMT_SGRBG8, V4L2_PIX_FMT_SRGGB8 };
#define N_PREF (sizeof pref8 / sizeof pref8[0])

static void fourcc_str(uint32_t f, char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = (char)((f >> (8 * i)) & 0xff);
	out[4] = '\0';
}

static uint32_t str_fourcc(const char *s)
{
	char c[4] = { ' ', ' ', ' ', ' ' };
	for (int i = 0; i < 4 && s[i]; i++)
		c[i] = s[i];
	return v4l2_fourcc(c[0], c[1], c[2], c[3]);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;
	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

static int supported(uint32_t f)
{
	for (size_t i = 0; i < N_PREF; i++)
		if (pref8[i] == f)
			return 1;
	return 0;
}

/* Appends "FMT1 FMT2 ..." of every capture format the device offers. */
static size_t list_formats(int fd, char *s, size_t size, size_t n)
{
	struct v4l2_fmtdesc d = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	for (d.index = 0; xioctl(fd, VIDIOC_ENUM_FMT, &d) == 0 && n < size; d.index++) {
		char f[5];
		fourcc_str(d.pixelformat, f);
		n += (size_t)snprintf(s + n, size - n, "%s%s%s", d.index ? " " : "", f,
				      supported(d.pixelformat) ? "" : "(unusable)");
	}
	return n;
}

/* Appends the frame sizes offered for one format. */
static size_t list_sizes(int fd, uint32_t fourcc, char *s, size_t size, size_t n)
{
	struct v4l2_frmsizeenum fs = { .pixel_format = fourcc };
	for (fs.index = 0; xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) == 0 && n < size; fs.index++) {
		if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
			n += (size_t)snprintf(s + n, size - n, "%s%ux%u", fs.index ? " " : "",
					      fs.discrete.width, fs.discrete.height);
		} else {
			n += (size_t)snprintf(s + n, size - n, "%ux%u..%ux%u step %u/%u",
					      fs.stepwise.min_width, fs.stepwise.min_height,
					      fs.stepwise.max_width, fs.stepwise.max_height,
					      fs.stepwise.step_width, fs.stepwise.step_height);
			break;
		}
	}
	return n;
}

static int offered(int fd, uint32_t f)
{
	struct v4l2_fmtdesc d = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	for (d.index = 0; xioctl(fd, VIDIOC_ENUM_FMT, &d) == 0; d.index++)
		if (d.pixelformat == f)
			return 1;
	return 0;
}

/* Sets a control if the device has it: 1 set, 0 absent, negative error. */
static int set_ctrl(v4l2 *v, uint32_t id, int32_t value, fs_err *err, const char *what)
{
	struct v4l2_queryctrl q = { .id = id };
	if (xioctl(v->fd, VIDIOC_QUERYCTRL, &q) < 0 || (q.flags & V4L2_CTRL_FLAG_DISABLED))
		return 0;
	if (value < q.minimum || value > q.maximum)
		return fs_err_set(err, -ERANGE, "%s %d is outside the device's range %d..%d", what, value,
				  q.minimum, q.maximum);
	struct v4l2_control c = { .id = id, .value = value };
	if (xioctl(v->fd, VIDIOC_S_CTRL, &c) < 0)
		return fs_err_set(err, -errno, "cannot set %s to %d: %s", what, value, strerror(errno));
	return 1;
}

static int apply_controls(v4l2 *v, const fs_camera_config *cfg, fs_camera_info *info, fs_err *err)
{
	int rc;
	if (cfg->exposure_us > 0) {
		if ((rc = set_ctrl(v, V4L2_CID_EXPOSURE_AUTO, V4L2_EXPOSURE_MANUAL, err, "auto exposure")) < 0)
			return rc;
		/* EXPOSURE_ABSOLUTE counts 100 us units; EXPOSURE is driver-defined
		 * (sensors mostly use lines; microseconds is the usual guess). */
		rc = set_ctrl(v, V4L2_CID_EXPOSURE_ABSOLUTE, (cfg->exposure_us + 50) / 100, err, "exposure (100 us units)");
		if (rc == 0)
			rc = set_ctrl(v, V4L2_CID_EXPOSURE, cfg->exposure_us, err, "exposure");
		if (rc < 0)
			return rc;
		if (rc == 0)
			return fs_err_set(err, -ENOTSUP, "exposure %d us asked, but the device has no exposure control",
					  cfg->exposure_us);
		info->exposure_us = cfg->exposure_us;
	}
	if (cfg->gain > 0) {
		if ((rc = set_ctrl(v, V4L2_CID_AUTOGAIN, 0, err, "auto gain")) < 0)
			return rc;
		rc = set_ctrl(v, V4L2_CID_ANALOGUE_GAIN, (int32_t)(cfg->gain + 0.5), err, "analogue gain");
		if (rc == 0)
			rc = set_ctrl(v, V4L2_CID_GAIN, (int32_t)(cfg->gain + 0.5), err, "gain");
		if (rc < 0)
			return rc;
		if (rc == 0)
			return fs_err_set(err, -ENOTSUP, "gain %.2f asked, but the device has no gain control", cfg->gain);
		info->gain = cfg->gain;
	}
	return 0;
}

static void v4l2_close(void *priv)
{
	v4l2 *v = priv;
	if (v->streaming) {
		enum v4l2_buf_type t = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		xioctl(v->fd, VIDIOC_STREAMOFF, &t);
	}
	for (int i = 0; i < v->n_bufs; i++)
		if (v->bufs[i].start != MAP_FAILED && v->bufs[i].start)
			munmap(v->bufs[i].start, v->bufs[i].length);
	if (v->fd >= 0)
		close(v->fd);
	free(v);
}

static int choose_format(v4l2 *v, const fs_camera_config *cfg, fs_err *err)
{
	char msg[300];
	if (cfg->format[0]) {
		uint32_t f = str_fourcc(cfg->format);
		if (supported(f) && offered(v->fd, f)) {
			v->fourcc = f;
			return 0;
		}
		list_formats(v->fd, msg, sizeof msg, 0);
		return fs_err_set(err, -EINVAL, "pixel format '%s' %s; device offers: %s", cfg->format,
				  supported(f) ? "is not offered" : "cannot be turned into grey", msg);
	}
	const uint32_t *pref = cfg->depth == 16 ? pref16 : pref8;
	for (size_t i = 0; i < N_PREF; i++) {
		if (offered(v->fd, pref[i])) {
			v->fourcc = pref[i];
			return 0;
		}
	}
	list_formats(v->fd, msg, sizeof msg, 0);
	return fs_err_set(err, -EINVAL,
			  "no pixel format that can be turned into grey (GREY Y10 Y12 Y16 YUYV or 8-bit Bayer); device offers: %s",
			  msg);
}

static int v4l2_open(const fs_camera_config *cfg, void **priv, fs_camera_info *info, fs_err *err)
{
	const char *dev = cfg->device[0] ? cfg->device : "/dev/video0";
	v4l2 *v = calloc(1, sizeof *v);
	if (!v)
		return fs_err_set(err, -ENOMEM, "out of memory");
	snprintf(v->dev, sizeof v->dev, "%s", dev);
	v->depth = cfg->depth;
	v->fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (v->fd < 0) {
		int e = errno;
		free(v);
		return fs_err_set(err, e == ENOENT || e == ENODEV || e == ENXIO ? FS_CAMERA_GONE : -e,
				  "cannot open %s: %s", dev, strerror(e));
	}
	int rc = 0;
	struct v4l2_capability cap;
	memset(&cap, 0, sizeof cap);
	if (xioctl(v->fd, VIDIOC_QUERYCAP, &cap) < 0) {
		rc = fs_err_set(err, -ENOTTY, "%s is not a V4L2 device (VIDIOC_QUERYCAP: %s)", dev, strerror(errno));
		goto fail;
	}
	uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
	if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
		rc = fs_err_set(err, -ENOTSUP, "%s (%s) is not a streaming single-planar capture device", dev,
				(const char *)cap.card);
		goto fail;
	}
	snprintf(info->driver, sizeof info->driver, "%s: %s", (const char *)cap.driver, (const char *)cap.card);
	if ((rc = choose_format(v, cfg, err)) < 0)
		goto fail;

	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	if (xioctl(v->fd, VIDIOC_G_FMT, &fmt) < 0) {
		rc = fs_err_set(err, -errno, "VIDIOC_G_FMT: %s", strerror(errno));
		goto fail;
	}
	fmt.fmt.pix.pixelformat = v->fourcc;
	if (cfg->width > 0 && cfg->height > 0) {
		fmt.fmt.pix.width = (uint32_t)cfg->width;
		fmt.fmt.pix.height = (uint32_t)cfg->height;
	}
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(v->fd, VIDIOC_S_FMT, &fmt) < 0) {
		rc = fs_err_set(err, errno == EBUSY ? -EBUSY : -errno, "VIDIOC_S_FMT: %s%s", strerror(errno),
				errno == EBUSY ? " (another program is streaming from it)" : "");
		goto fail;
	}
	char f4[5];
	fourcc_str(v->fourcc, f4);
	if (fmt.fmt.pix.pixelformat != v->fourcc ||
	    (cfg->width > 0 && (fmt.fmt.pix.width != (uint32_t)cfg->width ||
				fmt.fmt.pix.height != (uint32_t)cfg->height))) {
		char sizes[300];
		list_sizes(v->fd, v->fourcc, sizes, sizeof sizes, 0);
		rc = fs_err_set(err, -EINVAL, "size %dx%d in %s not offered (driver proposed %ux%u); sizes for %s: %s",
				cfg->width, cfg->height, f4, fmt.fmt.pix.width, fmt.fmt.pix.height, f4,
				sizes[0] ? sizes : "(not enumerable)");
		goto fail;
	}
	v->width = (int)fmt.fmt.pix.width;
	v->height = (int)fmt.fmt.pix.height;
	v->stride = fmt.fmt.pix.bytesperline;
	uint32_t bpp = (v->fourcc == V4L2_PIX_FMT_Y16 || v->fourcc == V4L2_PIX_FMT_Y12 ||
			v->fourcc == V4L2_PIX_FMT_Y10 || v->fourcc == V4L2_PIX_FMT_YUYV) ? 2 : 1;
	if (v->stride < (uint32_t)v->width * bpp)
		v->stride = (uint32_t)v->width * bpp;
	info->width = v->width;
	info->height = v->height;
	snprintf(info->format, sizeof info->format, "%s", f4);
	if ((rc = apply_controls(v, cfg, info, err)) < 0)
		goto fail;

	struct v4l2_requestbuffers req = { .count = (uint32_t)(cfg->n_buffers > MAX_BUFS ? MAX_BUFS : cfg->n_buffers),
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
	if (xioctl(v->fd, VIDIOC_REQBUFS, &req) < 0 || req.count < 2) {
		rc = fs_err_set(err, -ENOMEM, "VIDIOC_REQBUFS: got %u buffers (%s)", req.count, strerror(errno));
		goto fail;
	}
	for (uint32_t i = 0; i < req.count; i++) {
		struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP, .index = i };
		if (xioctl(v->fd, VIDIOC_QUERYBUF, &b) < 0) {
			rc = fs_err_set(err, -errno, "VIDIOC_QUERYBUF %u: %s", i, strerror(errno));
			goto fail;
		}
		v->bufs[i].length = b.length;
		v->bufs[i].start = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, b.m.offset);
		v->n_bufs++;
		if (v->bufs[i].start == MAP_FAILED) {
			rc = fs_err_set(err, -errno, "mmap of buffer %u: %s", i, strerror(errno));
			goto fail;
		}
		if (b.length < v->stride * (uint32_t)v->height) {
			rc = fs_err_set(err, -EIO, "buffer %u is %u bytes, a frame needs %u", i, b.length,
					v->stride * (uint32_t)v->height);
			goto fail;
		}
		if (xioctl(v->fd, VIDIOC_QBUF, &b) < 0) {
			rc = fs_err_set(err, -errno, "VIDIOC_QBUF %u: %s", i, strerror(errno));
			goto fail;
		}
	}
	enum v4l2_buf_type t = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	if (xioctl(v->fd, VIDIOC_STREAMON, &t) < 0) {
		rc = fs_err_set(err, -errno, "VIDIOC_STREAMON: %s", strerror(errno));
		goto fail;
	}
	v->streaming = true;
	*priv = v;
	return 0;
fail:
	v4l2_close(v);
	return rc;
}

static void convert(const v4l2 *v, const uint8_t *src, fs_image *img)
{
	int w = v->width, h = v->height, shift;
	bool out16 = img->depth == 16;
	switch (v->fourcc) {
	case V4L2_PIX_FMT_Y10: shift = 10; break;
	case V4L2_PIX_FMT_Y12: shift = 12; break;
	case V4L2_PIX_FMT_Y16: shift = 16; break;
	default: shift = 0;
	}
	for (int y = 0; y < h; y++) {
		const uint8_t *row = src + (size_t)y * v->stride;
		uint8_t *o8 = img->data + (size_t)y * img->stride;
		uint16_t *o16 = (uint16_t *)(void *)o8;
		for (int x = 0; x < w; x++) {
			unsigned s;   /* sample scaled to 16 bits */
			if (shift) {
				unsigned raw = (unsigned)row[2 * x] | ((unsigned)row[2 * x + 1] << 8);
				s = (raw << (16 - shift)) & 0xffff;
			} else if (v->fourcc == V4L2_PIX_FMT_YUYV) {
				s = (unsigned)row[2 * x] << 8;
			} else if (v->fourcc == V4L2_PIX_FMT_GREY) {
				s = (unsigned)row[x] << 8;
			} else {
				/* Bayer: mean of the 2x2 cell holding this pixel (R+G+G+B). */
				int x0 = x & ~1, y0 = y & ~1;
				if (x0 + 1 >= w) x0 = w - 2;
				if (y0 + 1 >= h) y0 = h - 2;
				const uint8_t *r0 = src + (size_t)y0 * v->stride, *r1 = r0 + v->stride;
				s = ((unsigned)r0[x0] + r0[x0 + 1] + r1[x0] + r1[x0 + 1]) << 6;
			}
			if (out16)
				o16[x] = (uint16_t)(s | (s >> (shift ? shift : 8)));  /* fill low bits */
			else
				o8[x] = (uint8_t)(s >> 8);
		}
	}
}

static int gone_or(int e)
{
	return e == ENODEV || e == ENXIO || e == EIO ? FS_CAMERA_GONE : -e;
}

static int v4l2_capture(void *priv, int timeout_ms, fs_image *img, fs_frame_meta *meta, fs_err *err)
{
	v4l2 *v = priv;
	struct v4l2_buffer b;
	/* Frames finished before this call may predate the illumination
	 * change: hand them back unread. */
	for (;;) {
		memset(&b, 0, sizeof b);
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		if (xioctl(v->fd, VIDIOC_DQBUF, &b) < 0) {
			if (errno == EAGAIN)
				break;
			return fs_err_set(err, gone_or(errno), "VIDIOC_DQBUF: %s", strerror(errno));
		}
		if (xioctl(v->fd, VIDIOC_QBUF, &b) < 0)
			return fs_err_set(err, gone_or(errno), "VIDIOC_QBUF: %s", strerror(errno));
	}
	/* One deadline for the whole wait: a device that wakes poll but never
	 * hands over a frame (DQBUF EAGAIN) must not restart the timeout. */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long spent = (long)(now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		int left = timeout_ms < 0 ? -1 : spent >= timeout_ms ? 0 : timeout_ms - (int)spent;
		struct pollfd p = { .fd = v->fd, .events = POLLIN };
		int r = left == 0 ? 0 : poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fs_err_set(err, -errno, "poll: %s", strerror(errno));
		if (r == 0)
			return fs_err_set(err, FS_CAMERA_TIMEOUT, "no frame within %d ms", timeout_ms);
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			/* After unplug the node reports POLLERR and DQBUF fails ENODEV. */
			memset(&b, 0, sizeof b);
			b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
			b.memory = V4L2_MEMORY_MMAP;
			if (xioctl(v->fd, VIDIOC_DQBUF, &b) < 0 && errno != EAGAIN)
				return fs_err_set(err, gone_or(errno), "VIDIOC_DQBUF: %s", strerror(errno));
			return fs_err_set(err, FS_CAMERA_GONE, "device reported an error (unplugged?)");
		}
		memset(&b, 0, sizeof b);
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		if (xioctl(v->fd, VIDIOC_DQBUF, &b) < 0) {
			if (errno == EAGAIN)
				continue;
			return fs_err_set(err, gone_or(errno), "VIDIOC_DQBUF: %s", strerror(errno));
		}
		break;
	}
	int rc = 0;
	if (b.index >= (uint32_t)v->n_bufs)
		rc = fs_err_set(err, -EIO, "driver returned buffer %u of %d", b.index, v->n_bufs);
	else if (b.flags & V4L2_BUF_FLAG_ERROR)
		rc = fs_err_set(err, -EIO, "frame %u flagged as corrupted by the driver", b.sequence);
	else if (b.bytesused && b.bytesused < v->stride * (uint32_t)(v->height - 1))
		rc = fs_err_set(err, -EIO, "short frame %u: %u bytes", b.sequence, b.bytesused);
	if (rc == 0) {
		convert(v, v->bufs[b.index].start, img);
		meta->sequence = b.sequence;
		meta->time_ns = (uint64_t)b.timestamp.tv_sec * 1000000000u + (uint64_t)b.timestamp.tv_usec * 1000u;
		snprintf(meta->source, sizeof meta->source, "%s", v->dev);
	}
	if (b.index < (uint32_t)v->n_bufs && xioctl(v->fd, VIDIOC_QBUF, &b) < 0 && rc == 0)
		rc = fs_err_set(err, gone_or(errno), "VIDIOC_QBUF: %s", strerror(errno));
	return rc;
}

static int v4l2_probe(FILE *out, fs_err *err)
{
	(void)err;
	int found = 0;
	for (int i = 0; i < 64; i++) {
		char dev[32];
		snprintf(dev, sizeof dev, "/dev/video%d", i);
		int fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct v4l2_capability cap;
		memset(&cap, 0, sizeof cap);
		if (xioctl(fd, VIDIOC_QUERYCAP, &cap) == 0) {
			uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
			if (caps & V4L2_CAP_VIDEO_CAPTURE) {
				found++;
				fprintf(out, "v4l2 %s: %s (%s, bus %s)\n", dev, (const char *)cap.card,
					(const char *)cap.driver, (const char *)cap.bus_info);
				struct v4l2_fmtdesc d = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
				for (d.index = 0; xioctl(fd, VIDIOC_ENUM_FMT, &d) == 0; d.index++) {
					char f[5], sizes[300];
					fourcc_str(d.pixelformat, f);
					list_sizes(fd, d.pixelformat, sizes, sizeof sizes, 0);
					fprintf(out, "  %s %-28s %s%s\n", f, (const char *)d.description, sizes,
						supported(d.pixelformat) ? "" : "  (not usable as grey)");
				}
			}
		}
		close(fd);
	}
	if (!found)
		fprintf(out, "v4l2: no capture devices under /dev/video*\n");
	return found;
}

const fs_camera_ops fs_camera_v4l2_ops = {
	.name = "v4l2",
	.open = v4l2_open,
	.capture = v4l2_capture,
	.set_step = NULL,
	.close = v4l2_close,
	.probe = v4l2_probe,
};
