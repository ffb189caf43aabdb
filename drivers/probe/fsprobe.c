/* fsprobe — what a person bringing up a new board wants to see: every GPIO
 * chip and line, every camera and the formats and sizes it offers. */
#include <stdio.h>
#include <string.h>

#include "camera/camera.h"
#include "leds/leds.h"

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "all";
	if (strcmp(what, "-h") == 0 || strcmp(what, "--help") == 0 ||
	    (strcmp(what, "all") && strcmp(what, "gpio") && strcmp(what, "v4l2") && strcmp(what, "libcamera"))) {
		fprintf(stderr, "usage: fsprobe [all|gpio|v4l2|libcamera]\n");
		return 2;
	}
	fs_err err;
	fs_err_clear(&err);
	int bad = 0;
	if (!strcmp(what, "all") || !strcmp(what, "gpio")) {
		if (fs_leds_probe(stdout, &err) < 0) {
			printf("gpio: %s\n", err.msg);
			bad = 1;
		}
	}
	if (strcmp(what, "gpio") != 0) {
		const char *backend = strcmp(what, "all") == 0 ? NULL : what;
		if (fs_camera_probe(backend, stdout, &err) < 0)
			bad = 1;
	}
	return bad;
}
