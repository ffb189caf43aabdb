/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the PNG path the firmware takes (fieldscope segment,
 * the file camera): the header is read first and its size checked against
 * a budget before anything is decoded (issue 12 item 6: a 1 MB PNG can
 * claim 1 GiB), then decoded as 8-bit grey, as the file's own layout, and
 * into a fixed buffer as the camera refills its frames. Inputs reach the
 * reader through a memfd, so it reads a real file descriptor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image/image.h"

#define BUDGET_PX (4u << 20)   /* the harness's max image: 4 Mpx */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.png", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	fs_err e;
	int w, h, ch, depth;
	if (fs_png_info(path, &w, &h, &ch, &depth, &e) == 0 && (size_t)w * (size_t)h <= BUDGET_PX) {
		fs_image img;
		if (fs_png_read(path, 1, 8, &img, &e) == 0)
			fs_image_free(&img);
		if (fs_png_read(path, 0, 0, &img, &e) == 0)
			fs_image_free(&img);
		fs_image fixed;
		if (fs_image_alloc(&fixed, w, h, 1, 16, &e) == 0) {
			fs_png_read_into(path, &fixed, &e);
			fs_image_free(&fixed);
		}
	}
	close(fd);
	return 0;
}
