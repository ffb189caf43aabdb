/* SPDX-License-Identifier: BSD-3-Clause */
/* Raw frames as OME-TIFF through libtiff ([storage] save_raw_format =
 * ome-tiff): the file Fiji/Bio-Formats, QuPath and napari open with its
 * physical pixel size, channel (illumination step) name and acquisition
 * time, from the OME-XML in the first ImageDescription. Encoded into
 * memory (a memfd), so the caller hashes and writes it durably exactly as a
 * PNG. */
#include "pipeline_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <unistd.h>

#include "util/util.h"

/* XML text: the five predefined entities; control bytes are dropped. */
static void xml(FILE *o, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '<')
			fputs("&lt;", o);
		else if (c == '>')
			fputs("&gt;", o);
		else if (c == '&')
			fputs("&amp;", o);
		else if (c == '"')
			fputs("&quot;", o);
		else if (c == '\'')
			fputs("&apos;", o);
		else if (c >= 0x20 || c == '\t')
			fputc(c, o);
	}
}

static char *ome_xml(const fw_fov_image *im, const fw_config *cfg, const fw_fov_meta *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	if (!o)
		return NULL;
	double px = cfg->board.pixel_size_um;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\" "
	      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	      "xsi:schemaLocation=\"http://www.openmicroscopy.org/Schemas/OME/2016-06 "
	      "http://www.openmicroscopy.org/Schemas/OME/2016-06/ome.xsd\" Creator=\"fieldscope ", o);
	xml(o, FW_VERSION);
	fputs(" (git ", o);
	xml(o, fw_git_commit());
	fputs(")\">\n<Image ID=\"Image:0\" Name=\"", o);
	xml(o, im->name);
	fputs("\">\n<AcquisitionDate>", o);
	/* xsd:dateTime without fractional seconds, as Bio-Formats writes it. */
	fprintf(o, "%.19s", m->time);
	fputs("</AcquisitionDate>\n<Description>device ", o);
	xml(o, m->device);
	fprintf(o, ", run %d, FOV %d</Description>\n", m->run, m->fov);
	fprintf(o, "<Pixels ID=\"Pixels:0\" DimensionOrder=\"XYCZT\" Type=\"%s\" SizeX=\"%d\" SizeY=\"%d\" "
		   "SizeC=\"1\" SizeZ=\"1\" SizeT=\"1\"",
		im->img->depth == 16 ? "uint16" : "uint8", im->img->width, im->img->height);
	if (px > 0)
		fprintf(o, " PhysicalSizeX=\"%.6g\" PhysicalSizeXUnit=\"µm\" PhysicalSizeY=\"%.6g\" "
			   "PhysicalSizeYUnit=\"µm\"", px, px);
	fputs(">\n<Channel ID=\"Channel:0:0\" Name=\"", o);
	xml(o, im->step ? im->step : im->content);
	fputs("\" SamplesPerPixel=\"1\"/>\n<TiffData IFD=\"0\" PlaneCount=\"1\"/>\n", o);
	if (cfg->board.camera.exposure_us > 0)
		fprintf(o, "<Plane TheC=\"0\" TheZ=\"0\" TheT=\"0\" ExposureTime=\"%d\" ExposureTimeUnit=\"µs\"/>\n",
			cfg->board.camera.exposure_us);
	fputs("</Pixels>\n</Image>\n</OME>\n", o);
	if (fclose(o) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* libtiff's messages for this file only (no process-wide handler, so
 * encoder threads do not share state): the last error is kept for the
 * caller's message, warnings are dropped. */
static int on_tiff_msg(TIFF *t, void *user, const char *module, const char *fmt, va_list ap)
{
	(void)t;
	(void)module;
	if (user)
		vsnprintf(user, 160, fmt, ap);
	return 1;
}

int fw_ome_tiff_encode(const fw_fov_image *im, const fw_config *cfg, const fw_fov_meta *m, char **out,
		       size_t *out_len, fs_err *err)
{
	*out = NULL;
	*out_len = 0;
	const fs_image *img = im->img;
	if (img->channels != 1)
		return fs_err_set(err, -EINVAL, "%s: OME-TIFF raw frames are grey", im->name);
	char *desc = ome_xml(im, cfg, m);
	if (!desc)
		return fs_err_set(err, -ENOMEM, "%s: out of memory", im->name);
	int fd = memfd_create("fieldscope-ome", MFD_CLOEXEC);
	int tfd = fd >= 0 ? dup(fd) : -1;
	if (tfd < 0) {
		int e = errno;
		free(desc);
		if (fd >= 0)
			close(fd);
		return fs_err_set(err, -e, "%s: memfd: %s", im->name, strerror(e));
	}
	char tiff_msg[160] = "";
	TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
	if (opts) {
		TIFFOpenOptionsSetErrorHandlerExtR(opts, on_tiff_msg, tiff_msg);
		TIFFOpenOptionsSetWarningHandlerExtR(opts, on_tiff_msg, NULL);
	}
	TIFF *t = opts ? TIFFFdOpenExt(tfd, im->name, "w", opts) : NULL;
	TIFFOpenOptionsFree(opts);
	int rc = 0;
	if (!t) {
		close(tfd);
		rc = fs_err_set(err, -EIO, "%s: libtiff cannot open the stream: %s", im->name, tiff_msg);
	} else {
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)img->width);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)img->height);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, (uint16_t)img->depth);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)1);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
		TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
		/* Deflate at the same zlib level as the PNGs, with the
		 * horizontal predictor (PNG's sub filter). */
		TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
		TIFFSetField(t, TIFFTAG_ZIPQUALITY, cfg->png_compression > 0 ? cfg->png_compression : 1);
		TIFFSetField(t, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
		TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(t, 0));
		TIFFSetField(t, TIFFTAG_IMAGEDESCRIPTION, desc);
		TIFFSetField(t, TIFFTAG_SOFTWARE, "fieldscope " FW_VERSION);
		if (cfg->board.pixel_size_um > 0) {
			TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER);
			TIFFSetField(t, TIFFTAG_XRESOLUTION, (float)(1e4 / cfg->board.pixel_size_um));
			TIFFSetField(t, TIFFTAG_YRESOLUTION, (float)(1e4 / cfg->board.pixel_size_um));
		}
		for (int y = 0; y < img->height && !rc; y++)
			if (TIFFWriteScanline(t, img->data + (size_t)y * img->stride, (uint32_t)y, 0) < 0)
				rc = fs_err_set(err, -EIO, "%s: libtiff write failed at row %d: %s", im->name, y, tiff_msg);
		TIFFClose(t);   /* closes tfd */
	}
	free(desc);
	struct stat st;
	if (!rc && fstat(fd, &st) != 0)
		rc = fs_err_set(err, -errno, "%s: memfd stat: %s", im->name, strerror(errno));
	if (!rc) {
		char *buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
		ssize_t got = buf ? pread(fd, buf, (size_t)st.st_size, 0) : -1;
		if (got != st.st_size) {
			free(buf);
			rc = fs_err_set(err, -EIO, "%s: cannot read back the encoded TIFF", im->name);
		} else {
			*out = buf;
			*out_len = (size_t)st.st_size;
		}
	}
	close(fd);
	return rc;
}
