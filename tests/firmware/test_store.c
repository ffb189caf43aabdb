/* SPDX-License-Identifier: BSD-3-Clause */
/* Durable writes, run numbering, the hash-chained audit log. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "store/store.h"

static int exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

int main(void)
{
	check_state cs = {0};
	fs_err e;
	char dir[] = "/tmp/fw-store-XXXXXX";
	if (!mkdtemp(dir)) {
		printf("FAIL store_setup: mkdtemp\n");
		return 1;
	}
	char path[256], p2[300];

	check_begin(&cs, "durable_write_replaces_atomically");
	snprintf(path, sizeof path, "%s/a.txt", dir);
	CHECK(&cs, fw_write_file(path, "one\n", 4, &e) == 0, "%s", e.msg);
	CHECK(&cs, fw_write_file(path, "two!\n", 5, &e) == 0, "%s", e.msg);
	FILE *f = fopen(path, "r");
	char buf[16] = "";
	if (f) {
		fgets(buf, sizeof buf, f);
		fclose(f);
	}
	CHECK(&cs, !strcmp(buf, "two!\n"), "content '%s'", buf);
	snprintf(p2, sizeof p2, "%s.tmp", path);
	CHECK(&cs, !exists(p2), "temporary file left behind");
	snprintf(path, sizeof path, "%s/nodir/a.txt", dir);
	int rc = fw_write_file(path, "x", 1, &e);
	CHECK(&cs, rc == -ENOENT && strstr(e.msg, "nodir/a.txt.tmp"), "error must name the file: '%s'", e.msg);
	check_end(&cs);

	check_begin(&cs, "durable_png");
	fs_image im;
	fs_image_alloc(&im, 5, 4, 1, 16, &e);
	((uint16_t *)im.data)[3] = 4242;
	snprintf(path, sizeof path, "%s/l.png", dir);
	CHECK(&cs, fw_write_png(path, &im, 1, &e) == 0, "%s", e.msg);
	fs_image back;
	CHECK(&cs, fs_png_read(path, 0, 0, &back, &e) == 0 && back.depth == 16 && ((uint16_t *)back.data)[3] == 4242,
	      "16-bit PNG did not round-trip");
	fs_image_free(&im);
	fs_image_free(&back);
	check_end(&cs);

	check_begin(&cs, "run_numbering_continues");
	snprintf(path, sizeof path, "%s/results", dir);
	char run[600];
	int n1 = 0, n2 = 0;
	CHECK(&cs, fw_run_dir_create(path, run, sizeof run, &n1, &e) == 0 && n1 == 1, "first run %d %s", n1, e.msg);
	snprintf(p2, sizeof p2, "%s/run-0007", path);
	mkdir(p2, 0755);
	CHECK(&cs, fw_run_dir_create(path, run, sizeof run, &n2, &e) == 0 && n2 == 8, "after run-0007: %d", n2);
	CHECK(&cs, strstr(run, "run-0008") != NULL, "path %s", run);
	CHECK(&cs, fw_run_dir_create_named(path, "20261201T0930Z-scope7-", run, sizeof run, &n2, &e) == 0 && n2 == 9,
	      "dated after run-0008: %d", n2);
	CHECK(&cs, strstr(run, "/20261201T0930Z-scope7-run-0009") != NULL, "path %s", run);
	CHECK(&cs, fw_run_dir_create(path, run, sizeof run, &n2, &e) == 0 && n2 == 10, "plain after dated: %d", n2);
	check_end(&cs);

	check_begin(&cs, "audit_chain_verifies_and_detects_edits");
	fw_audit a;
	CHECK(&cs, fw_audit_open(&a, dir, &e) == 0, "%s", e.msg);
	fw_audit_append(&a, "run_start", "x=1", &e);
	fw_audit_append(&a, "fov_complete", "fov=1 cells=3", &e);
	fw_audit_close(&a);
	/* reopening continues the chain */
	CHECK(&cs, fw_audit_open(&a, dir, &e) == 0, "%s", e.msg);
	fw_audit_append(&a, "run_start", "x=2\nsneaky", &e);
	fw_audit_close(&a);
	snprintf(path, sizeof path, "%s/audit.log", dir);
	rc = fw_audit_verify(path, &e);
	CHECK(&cs, rc == 3, "verify: %d %s", rc, e.msg);
	/* tamper with line 2 */
	f = fopen(path, "r+");
	char all[4096] = "";
	size_t n = fread(all, 1, sizeof all - 1, f);
	all[n] = '\0';
	char *p = strstr(all, "cells=3");
	if (p)
		p[6] = '9';
	rewind(f);
	fwrite(all, 1, n, f);
	fclose(f);
	rc = fw_audit_verify(path, &e);
	CHECK(&cs, rc < 0 && strstr(e.msg, "audit.log:3"), "tampering not detected at line 3: %d '%s'", rc, e.msg);
	check_end(&cs);

	/* Issue 12 item 7: a logged value holding " prev=" (an error message,
	 * a file name) is not tampering; control bytes are escaped. */
	check_begin(&cs, "audit_value_with_prev_is_not_tampering");
	{
		char adir[600];
		check_sfmt(adir, sizeof adir, "%s/audit2", dir);
		mkdir(adir, 0755);
		fw_audit a2;
		CHECK(&cs, fw_audit_open(&a2, adir, &e) == 0, "%s", e.msg);
		CHECK(&cs, fw_audit_append(&a2, "write_failed", "error=/data/x prev=abc: No space", &e) == 0, "%s", e.msg);
		CHECK(&cs, fw_audit_append(&a2, "camera_fault", "error=bad\x1b[2Kframe\\ prev=0000", &e) == 0, "%s",
		      e.msg);
		CHECK(&cs, fw_audit_append(&a2, "run_end", "status=ok", &e) == 0, "%s", e.msg);
		fw_audit_close(&a2);
		char apath[700];
		check_sfmt(apath, sizeof apath, "%s/audit.log", adir);
		rc = fw_audit_verify(apath, &e);
		CHECK(&cs, rc == 3, "a value holding ' prev=' reported as tampering: %d '%s'", rc, e.msg);
		FILE *af = fopen(apath, "r");
		char txt[4096] = "";
		size_t tn = af ? fread(txt, 1, sizeof txt - 1, af) : 0;
		txt[tn] = '\0';
		if (af)
			fclose(af);
		CHECK(&cs, strstr(txt, "bad\\x1b[2Kframe\\\\ prev=0000") && !strchr(txt, 0x1b),
		      "control byte or backslash not escaped: %s", txt);
	}
	check_end(&cs);

	check_begin(&cs, "free_bytes");
	uint64_t fb = 0;
	CHECK(&cs, fw_free_bytes(dir, &fb, &e) == 0 && fb > 0, "%s", e.msg);
	rc = fw_free_bytes("/nonexistent/x", &fb, &e);
	CHECK(&cs, rc < 0 && strstr(e.msg, "/nonexistent/x"), "'%s'", e.msg);
	check_end(&cs);

	check_begin(&cs, "mkdir_p_reports_intermediate_folders");
	{
		char deep[600], blocker[600];
		check_sfmt(deep, sizeof deep, "%s/p1/p2/p3", dir);
		CHECK(&cs, fw_mkdir_p(deep, &e) == 0, "nested: %s", e.msg);
		CHECK(&cs, fw_mkdir_p(deep, &e) == 0, "existing: %s", e.msg);
		/* A file where a folder should be: the error names that folder. */
		check_sfmt(blocker, sizeof blocker, "%s/blocker", dir);
		FILE *bf = fopen(blocker, "w");
		if (bf)
			fclose(bf);
		check_sfmt(deep, sizeof deep, "%s/blocker/a/b", dir);
		rc = fw_mkdir_p(deep, &e);
		CHECK(&cs, rc < 0 && strstr(e.msg, "/blocker"), "want an error naming blocker: %d '%s'", rc, e.msg);
	}
	check_end(&cs);

	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("note: could not remove %s\n", dir);
	return check_exit(&cs);
}
