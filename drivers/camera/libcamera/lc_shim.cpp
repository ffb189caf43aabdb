/* SPDX-License-Identifier: BSD-3-Clause */
// libcamera shim: the few libcamera calls fieldscope needs, behind the C
// interface in lc_shim.h. Built against Debian 12's libcamera 0.0.3; the
// version macros select the newer control names where they changed.
#include "lc_shim.h"

#include <libcamera/libcamera.h>
#include <libcamera/version.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <sys/mman.h>
#include <vector>

using namespace libcamera;

#define LC_VERSION (LIBCAMERA_VERSION_MAJOR * 10000 + LIBCAMERA_VERSION_MINOR * 100 + LIBCAMERA_VERSION_PATCH)

namespace {

int fail(char *msg, size_t size, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int fail(char *msg, size_t size, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return code;
}

// Formats the shim turns into grey, best first.
const PixelFormat kGreyable[] = {
	formats::R8, formats::YUV420, formats::NV12, formats::NV21, formats::YUYV,
	formats::RGB888, formats::BGR888, formats::XRGB8888, formats::XBGR8888,
};

bool greyable(const PixelFormat &f)
{
	for (const auto &g : kGreyable)
		if (g == f)
			return true;
	return false;
}

struct Mapped {
	uint8_t *data = nullptr;
	size_t length = 0;
};

} // namespace

struct fs_lc {
	std::unique_ptr<CameraManager> cm;
	std::shared_ptr<Camera> camera;
	bool acquired = false, started = false;
	std::unique_ptr<CameraConfiguration> config;
	std::unique_ptr<FrameBufferAllocator> alloc;
	Stream *stream = nullptr;
	std::vector<std::unique_ptr<Request>> requests;
	std::vector<Mapped> maps;          // one per buffer (plane 0 start)
	ControlList controls;
	PixelFormat format;
	unsigned width = 0, height = 0, stride = 0;
	std::mutex lock;
	std::condition_variable done_cv;
	std::deque<Request *> done;        // completed, not yet read
	bool gone = false;

	void onComplete(Request *r)
	{
		std::lock_guard<std::mutex> g(lock);
		if (r->status() == Request::RequestCancelled)
			gone = true;
		done.push_back(r);
		done_cv.notify_all();
	}
	void onRemoved(std::shared_ptr<Camera> c)
	{
		std::lock_guard<std::mutex> g(lock);
		if (c == camera)
			gone = true;
		done_cv.notify_all();
	}
};

static void apply_manual(ControlList &c, const fs_lc_params *p)
{
	// AWB off keeps colour gains fixed, so grey levels do not drift.
	c.set(controls::AwbEnable, false);
	if (p->exposure_us > 0) {
#if LC_VERSION >= 500
		c.set(controls::ExposureTimeMode, controls::ExposureTimeModeManual);
#else
		c.set(controls::AeEnable, false);
#endif
		c.set(controls::ExposureTime, static_cast<int32_t>(p->exposure_us));
	}
	if (p->gain > 0) {
#if LC_VERSION >= 500
		c.set(controls::AnalogueGainMode, controls::AnalogueGainModeManual);
#else
		c.set(controls::AeEnable, false);
#endif
		c.set(controls::AnalogueGain, static_cast<float>(p->gain));
	}
}

static std::string list_formats(const StreamConfiguration &sc)
{
	std::string s;
	for (const PixelFormat &f : sc.formats().pixelformats()) {
		s += (s.empty() ? "" : " ") + f.toString();
		for (const Size &z : sc.formats().sizes(f))
			s += (s.back() == ')' || s.back() == ' ' ? "" : "(") + z.toString() + ",";
		if (s.back() == ',')
			s.back() = ')';
		if (!greyable(f))
			s += "[unusable]";
	}
	return s;
}

static void close_lc(fs_lc *lc)
{
	if (lc->started)
		lc->camera->stop();
	if (lc->camera)
		lc->camera->requestCompleted.disconnect(lc);
	if (lc->cm)
		lc->cm->cameraRemoved.disconnect(lc);
	lc->requests.clear();
	for (auto &m : lc->maps)
		if (m.data)
			munmap(m.data, m.length);
	lc->maps.clear();
	lc->alloc.reset();
	if (lc->acquired)
		lc->camera->release();
	lc->config.reset();
	lc->camera.reset();
	if (lc->cm)
		lc->cm->stop();
	delete lc;
}

extern "C" int fs_lc_open(const fs_lc_params *p, fs_lc **out, fs_lc_result *res, char *msg, size_t msg_size)
{
	*out = nullptr;
	fs_lc *lc = new (std::nothrow) fs_lc;
	if (!lc)
		return fail(msg, msg_size, -ENOMEM, "out of memory");
	lc->cm = std::make_unique<CameraManager>();
	int rc = lc->cm->start();
	if (rc < 0) {
		close_lc(lc);
		return fail(msg, msg_size, rc, "camera manager did not start: %s", strerror(-rc));
	}
	auto cams = lc->cm->cameras();
	if (cams.empty()) {
		close_lc(lc);
		return fail(msg, msg_size, -ENODEV, "libcamera sees no cameras (is udev running? are the sensor drivers loaded?)");
	}
	if (p->camera_id && *p->camera_id) {
		lc->camera = lc->cm->get(p->camera_id);
		if (!lc->camera) {
			std::string ids;
			for (auto &c : cams)
				ids += (ids.empty() ? "" : ", ") + c->id();
			cams.clear();   // no camera may outlive the manager
			close_lc(lc);
			return fail(msg, msg_size, -ENODEV, "no camera '%s'; libcamera sees: %s", p->camera_id, ids.c_str());
		}
	} else {
		lc->camera = cams[0];
	}
	cams.clear();   // only lc->camera may hold a camera when closing
	if (lc->camera->acquire() < 0) {
		std::string id = lc->camera->id();
		close_lc(lc);
		return fail(msg, msg_size, -EBUSY, "camera '%s' is in use by another process", id.c_str());
	}
	lc->acquired = true;
	// A vector works with both the old (vector) and new (Span) signatures.
	std::vector<StreamRole> roles{ StreamRole::Viewfinder };
	lc->config = lc->camera->generateConfiguration(roles);
	if (!lc->config || lc->config->empty()) {
		close_lc(lc);
		return fail(msg, msg_size, -EINVAL, "camera gives no stream configuration");
	}
	StreamConfiguration &sc = lc->config->at(0);
	std::string offered = list_formats(sc);
	PixelFormat want;
	if (p->format && *p->format) {
		for (const PixelFormat &f : sc.formats().pixelformats())
			if (f.toString() == p->format)
				want = f;
		if (!want.isValid() || !greyable(want)) {
			close_lc(lc);
			return fail(msg, msg_size, -EINVAL, "pixel format '%s' %s; camera offers: %s", p->format,
				    want.isValid() ? "cannot be turned into grey" : "is not offered", offered.c_str());
		}
	} else {
		for (const PixelFormat &g : kGreyable) {
			for (const PixelFormat &f : sc.formats().pixelformats())
				if (f == g && !want.isValid())
					want = f;
		}
		if (!want.isValid()) {
			close_lc(lc);
			return fail(msg, msg_size, -EINVAL, "no format that can be turned into grey; camera offers: %s",
				    offered.c_str());
		}
	}
	sc.pixelFormat = want;
	if (p->width > 0 && p->height > 0)
		sc.size = Size(static_cast<unsigned>(p->width), static_cast<unsigned>(p->height));
	sc.bufferCount = static_cast<unsigned>(p->n_buffers > 0 ? p->n_buffers : 4);
	CameraConfiguration::Status st = lc->config->validate();
	if (st == CameraConfiguration::Invalid ||
	    sc.pixelFormat != want ||
	    (p->width > 0 && (sc.size.width != static_cast<unsigned>(p->width) ||
			      sc.size.height != static_cast<unsigned>(p->height)))) {
		std::string got = sc.pixelFormat.toString() + " " + sc.size.toString();
		close_lc(lc);
		return fail(msg, msg_size, -EINVAL, "%s %dx%d not supported (camera proposed %s); camera offers: %s",
			    want.toString().c_str(), p->width, p->height, got.c_str(), offered.c_str());
	}
	if ((rc = lc->camera->configure(lc->config.get())) < 0) {
		close_lc(lc);
		return fail(msg, msg_size, rc, "configure failed: %s", strerror(-rc));
	}
	lc->stream = sc.stream();
	lc->format = sc.pixelFormat;
	lc->width = sc.size.width;
	lc->height = sc.size.height;
	lc->stride = sc.stride;
	lc->alloc = std::make_unique<FrameBufferAllocator>(lc->camera);
	if ((rc = lc->alloc->allocate(lc->stream)) < 0) {
		close_lc(lc);
		return fail(msg, msg_size, rc, "buffer allocation failed: %s", strerror(-rc));
	}
	apply_manual(lc->controls, p);
	for (const auto &buf : lc->alloc->buffers(lc->stream)) {
		const FrameBuffer::Plane &pl = buf->planes()[0];
		size_t len = pl.offset + static_cast<size_t>(lc->stride) * lc->height;
		void *m = mmap(nullptr, len, PROT_READ, MAP_SHARED, pl.fd.get(), 0);
		if (m == MAP_FAILED) {
			close_lc(lc);
			return fail(msg, msg_size, -errno, "mmap of a frame buffer failed: %s", strerror(errno));
		}
		// The mapping starts at 0; capture adds the plane offset.
		lc->maps.push_back({ static_cast<uint8_t *>(m), len });
		std::unique_ptr<Request> r = lc->camera->createRequest(lc->maps.size() - 1);
		if (!r || r->addBuffer(lc->stream, buf.get()) < 0) {
			close_lc(lc);
			return fail(msg, msg_size, -ENOMEM, "cannot create a capture request");
		}
		lc->requests.push_back(std::move(r));
	}
	lc->camera->requestCompleted.connect(lc, &fs_lc::onComplete);
	lc->cm->cameraRemoved.connect(lc, &fs_lc::onRemoved);
	if ((rc = lc->camera->start(&lc->controls)) < 0) {
		close_lc(lc);
		return fail(msg, msg_size, rc, "start failed: %s", strerror(-rc));
	}
	lc->started = true;
	for (auto &r : lc->requests) {
		r->controls().merge(lc->controls);
		if ((rc = lc->camera->queueRequest(r.get())) < 0) {
			close_lc(lc);
			return fail(msg, msg_size, rc, "queueing a request failed: %s", strerror(-rc));
		}
	}
	res->width = static_cast<int>(lc->width);
	res->height = static_cast<int>(lc->height);
	snprintf(res->format, sizeof res->format, "%s", lc->format.toString().c_str());
	snprintf(res->model, sizeof res->model, "%s", lc->camera->id().c_str());
	*out = lc;
	return 0;
}

static void to_grey(const fs_lc *lc, const uint8_t *src, uint8_t *dst, size_t stride, int depth)
{
	for (unsigned y = 0; y < lc->height; y++) {
		const uint8_t *row = src + static_cast<size_t>(y) * lc->stride;
		uint8_t *o8 = dst + y * stride;
		uint16_t *o16 = reinterpret_cast<uint16_t *>(o8);
		for (unsigned x = 0; x < lc->width; x++) {
			unsigned v;
			const PixelFormat &f = lc->format;
			if (f == formats::YUYV) {
				v = row[2 * x];
			} else if (f == formats::RGB888 || f == formats::BGR888) {
				// RGB888 is B,G,R in memory; BGR888 is R,G,B (DRM naming).
				const uint8_t *px = row + 3 * x;
				unsigned r = f == formats::RGB888 ? px[2] : px[0], b = f == formats::RGB888 ? px[0] : px[2];
				v = (77 * r + 150 * px[1] + 29 * b) >> 8;
			} else if (f == formats::XRGB8888 || f == formats::XBGR8888) {
				const uint8_t *px = row + 4 * x;
				unsigned r = f == formats::XRGB8888 ? px[2] : px[0], b = f == formats::XRGB8888 ? px[0] : px[2];
				v = (77 * r + 150 * px[1] + 29 * b) >> 8;
			} else {
				v = row[x];   // R8 and the Y plane of YUV420/NV12/NV21
			}
			if (depth == 16)
				o16[x] = static_cast<uint16_t>(v * 257);
			else
				o8[x] = static_cast<uint8_t>(v);
		}
	}
}

extern "C" int fs_lc_capture(fs_lc *lc, int timeout_ms, uint8_t *dst, size_t stride, int depth,
			     uint32_t *sequence, uint64_t *time_ns, char *msg, size_t msg_size)
{
	std::unique_lock<std::mutex> g(lc->lock);
	// Frames completed before this call may predate the illumination change.
	std::deque<Request *> stale;
	stale.swap(lc->done);
	g.unlock();
	for (Request *r : stale) {
		r->reuse(Request::ReuseBuffers);
		r->controls().merge(lc->controls);
		lc->camera->queueRequest(r);
	}
	g.lock();
	auto ready = [lc] { return lc->gone || !lc->done.empty(); };
	if (timeout_ms < 0)
		lc->done_cv.wait(g, ready);
	else if (!lc->done_cv.wait_for(g, std::chrono::milliseconds(timeout_ms), ready))
		return fail(msg, msg_size, -ETIMEDOUT, "no frame within %d ms", timeout_ms);
	if (lc->gone)
		return fail(msg, msg_size, -ENODEV, "camera disappeared");
	Request *r = lc->done.front();
	lc->done.pop_front();
	g.unlock();
	int rc = 0;
	FrameBuffer *fb = r->buffers().begin()->second;
	if (r->status() != Request::RequestComplete || fb->metadata().status != FrameMetadata::FrameSuccess) {
		rc = fail(msg, msg_size, -EIO, "frame %u failed in the camera", fb->metadata().sequence);
	} else {
		const uint8_t *base = lc->maps[r->cookie()].data + fb->planes()[0].offset;
		to_grey(lc, base, dst, stride, depth);
		*sequence = fb->metadata().sequence;
		*time_ns = fb->metadata().timestamp;
	}
	r->reuse(Request::ReuseBuffers);
	r->controls().merge(lc->controls);
	int q = lc->camera->queueRequest(r);
	if (q < 0 && rc == 0)
		rc = fail(msg, msg_size, q == -ENODEV ? -ENODEV : q, "re-queueing a request failed: %s", strerror(-q));
	return rc;
}

extern "C" void fs_lc_close(fs_lc *lc)
{
	if (lc)
		close_lc(lc);
}

extern "C" int fs_lc_probe(FILE *out, char *msg, size_t msg_size)
{
	CameraManager cm;
	int rc = cm.start();
	if (rc < 0)
		return fail(msg, msg_size, rc, "libcamera: camera manager did not start: %s", strerror(-rc));
	int n = 0;
	for (auto &cam : cm.cameras()) {
		n++;
		fprintf(out, "libcamera %s\n", cam->id().c_str());
		std::vector<StreamRole> roles{ StreamRole::Viewfinder };
		auto cfg = cam->generateConfiguration(roles);
		if (cfg && !cfg->empty())
			fprintf(out, "  formats: %s\n", list_formats(cfg->at(0)).c_str());
	}
	if (!n)
		fprintf(out, "libcamera: no cameras\n");
	cm.stop();
	return n;
}

extern "C" const char *fs_lc_version(void)
{
#define LC_STR2(x) #x
#define LC_STR(x) LC_STR2(x)
	return LC_STR(LIBCAMERA_VERSION_MAJOR) "." LC_STR(LIBCAMERA_VERSION_MINOR) "." LC_STR(LIBCAMERA_VERSION_PATCH);
}
