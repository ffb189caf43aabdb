/* SPDX-License-Identifier: BSD-3-Clause */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

void fw_sha256_hex(const void *data, size_t size, char hex[65])
{
	struct sha256_ctx sc;
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_init(&sc);
	sha256_update(&sc, size, data);
	sha256_digest(&sc, sizeof d, d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

int fw_sha256_file(const char *path, char hex[65], fs_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return fs_err_set(err, -errno, "%s: cannot open to hash: %s", path, strerror(errno));
	struct sha256_ctx sc;
	sha256_init(&sc);
	uint8_t buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(&sc, n, buf);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return fs_err_set(err, -EIO, "%s: read error while hashing", path);
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(&sc, sizeof d, d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

int fw_fsync_dir(const char *path, fs_err *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fs_err_set(err, -errno, "%s: cannot open folder to sync: %s", path, strerror(errno));
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	/* Some filesystems cannot fsync folders; that is not a data loss. */
	if (rc && e != EINVAL && e != EROFS)
		return fs_err_set(err, -e, "%s: fsync of folder failed: %s", path, strerror(e));
	return 0;
}

static int fsync_path(const char *path, fs_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fs_err_set(err, -errno, "%s: cannot reopen to sync: %s", path, strerror(errno));
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	if (rc)
		return fs_err_set(err, -e, "%s: fsync failed: %s", path, strerror(e));
	return 0;
}

/* Publishes tmp as path: fsync, rename, fsync the folder. On failure the
 * temporary file is removed so no partial file is left behind. */
static int publish(const char *tmp, const char *path, fs_err *err)
{
	int rc = fsync_path(tmp, err);
	if (!rc && rename(tmp, path) != 0)
		rc = fs_err_set(err, -errno, "%s: rename from %s failed: %s", path, tmp, strerror(errno));
	if (rc) {
		unlink(tmp);
		return rc;
	}
	char dir[1024];
	fw_parent_dir(path, dir, sizeof dir);
	return fw_fsync_dir(dir, err);
}

static int tmp_name(const char *path, char *tmp, size_t size, fs_err *err)
{
	if (snprintf(tmp, size, "%s.tmp", path) >= (int)size)
		return fs_err_set(err, -ENAMETOOLONG, "%s: path too long", path);
	return 0;
}

int fw_write_file(const char *path, const void *data, size_t size, fs_err *err)
{
	char tmp[1100];
	if (tmp_name(path, tmp, sizeof tmp, err))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fs_err_set(err, -errno, "%s: cannot create: %s", tmp, strerror(errno));
	const uint8_t *p = data;
	size_t left = size;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			unlink(tmp);
			return fs_err_set(err, -e, "%s: write failed after %zu of %zu bytes: %s", tmp, size - left,
					  size, strerror(e));
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return fs_err_set(err, -e, "%s: fsync failed: %s", tmp, strerror(e));
	}
	if (close(fd) != 0) {
		int e = errno;
		unlink(tmp);
		return fs_err_set(err, -e, "%s: close failed: %s", tmp, strerror(e));
	}
	if (rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return fs_err_set(err, -e, "%s: rename failed: %s", path, strerror(e));
	}
	char dir[1024];
	fw_parent_dir(path, dir, sizeof dir);
	return fw_fsync_dir(dir, err);
}

int fw_write_png(const char *path, const fs_image *img, int compression, fs_err *err)
{
	char tmp[1100];
	if (tmp_name(path, tmp, sizeof tmp, err))
		return -ENAMETOOLONG;
	int rc = fs_png_write(tmp, img, compression, err);
	if (rc) {
		unlink(tmp);
		return rc;
	}
	return publish(tmp, path, err);
}

int fw_write_text(const char *path, int (*fill)(FILE *, void *), void *user, fs_err *err)
{
	return fw_write_text_len(path, fill, user, NULL, err);
}

int fw_write_text_len(const char *path, int (*fill)(FILE *, void *), void *user, size_t *written, fs_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return fs_err_set(err, -ENOMEM, "%s: out of memory", path);
	int rc = fill(m, user);
	if (fclose(m) != 0 || rc) {
		free(buf);
		return fs_err_set(err, rc ? rc : -ENOMEM, "%s: cannot format contents", path);
	}
	rc = fw_write_file(path, buf, len, err);
	free(buf);
	if (!rc && written)
		*written = len;
	return rc;
}

int fw_mkdir_durable(const char *path, int exist_ok, fs_err *err)
{
	if (mkdir(path, 0755) != 0) {
		if (errno == EEXIST && exist_ok)
			return 0;
		return fs_err_set(err, -errno, "%s: cannot create folder: %s", path, strerror(errno));
	}
	char dir[1024];
	fw_parent_dir(path, dir, sizeof dir);
	return fw_fsync_dir(dir, err);
}

int fw_reserve_space(const char *path, uint64_t bytes, fs_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return fs_err_set(err, -errno, "%s: cannot create the space reserve: %s", path, strerror(errno));
	/* Real blocks, not a sparse file: the point is that they are taken. */
	int e = posix_fallocate(fd, 0, (off_t)bytes);
	if (e == EOPNOTSUPP || e == EINVAL) {
		static const char zeros[65536];
		e = 0;
		for (uint64_t done = 0; !e && done < bytes;) {
			size_t n = bytes - done < sizeof zeros ? (size_t)(bytes - done) : sizeof zeros;
			ssize_t w = pwrite(fd, zeros, n, (off_t)done);
			if (w <= 0)
				e = w < 0 ? errno : EIO;
			else
				done += (uint64_t)w;
		}
	}
	if (!e && fsync(fd) != 0)
		e = errno;
	close(fd);
	if (e)
		return fs_err_set(err, -e, "%s: cannot reserve %.1f MiB for the end-of-run records: %s", path,
				  bytes / 1048576.0, strerror(e));
	return 0;
}

int fw_free_bytes(const char *path, uint64_t *out, fs_err *err)
{
	struct statvfs s;
	if (statvfs(path, &s) != 0)
		return fs_err_set(err, -errno, "%s: statvfs failed: %s", path, strerror(errno));
	*out = (uint64_t)s.f_bavail * (uint64_t)s.f_frsize;
	return 0;
}

int fw_mkdir_p(const char *path, fs_err *err)
{
	char tmp[1024];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return fs_err_set(err, -ENAMETOOLONG, "%s: path too long", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return fs_err_set(err, -errno, "%s: cannot create folder: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return fs_err_set(err, -errno, "%s: cannot create folder: %s", tmp, strerror(errno));
	return 0;
}

/* The run number of a folder name "run-N" or "PREFIX-run-N" (0 if none),
 * so numbering continues across both naming schemes. */
static int run_number_of(const char *name)
{
	const char *p = NULL;
	for (const char *q = strstr(name, "run-"); q; q = strstr(q + 1, "run-"))
		if (q == name || q[-1] == '-')
			p = q;
	int n;
	char tail;
	return p && sscanf(p, "run-%d%c", &n, &tail) == 1 && n > 0 ? n : 0;
}

int fw_run_dir_create_named(const char *results, const char *prefix, char *path, size_t size, int *number,
			    fs_err *err)
{
	int rc = fw_mkdir_p(results, err);
	if (rc)
		return rc;
	DIR *d = opendir(results);
	if (!d)
		return fs_err_set(err, -errno, "%s: cannot list: %s", results, strerror(errno));
	int max = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		int n = run_number_of(de->d_name);
		max = n > max ? n : max;
	}
	closedir(d);
	/* mkdir is atomic: if another process took the number, take the next. */
	for (int n = max + 1; n < max + 1000; n++) {
		if (snprintf(path, size, "%s/%srun-%04d", results, prefix, n) >= (int)size)
			return fs_err_set(err, -ENAMETOOLONG, "%s: path too long", results);
		rc = fw_mkdir_durable(path, 0, err);
		if (rc == -EEXIST)
			continue;
		if (rc == 0)
			*number = n;
		return rc;
	}
	return fs_err_set(err, -EEXIST, "%s: no free run number", results);
}

int fw_run_dir_create(const char *results, char *path, size_t size, int *number, fs_err *err)
{
	return fw_run_dir_create_named(results, "", path, size, number, err);
}

/* ---- audit log ----------------------------------------------------------- */

int fw_audit_open(fw_audit *a, const char *dir, fs_err *err)
{
	memset(a, 0, sizeof *a);
	memset(a->prev, '0', 64);
	a->prev[64] = '\0';
	snprintf(a->path, sizeof a->path, "%s/audit.log", dir);
	/* Continue an existing chain: hash of its last complete line. */
	FILE *r = fopen(a->path, "r");
	if (r) {
		char line[4096];
		while (fgets(line, sizeof line, r)) {
			size_t n = strlen(line);
			if (n && line[n - 1] == '\n') {
				fw_sha256_hex(line, n - 1, a->prev);
				a->seq++;
			}
		}
		fclose(r);
	}
	a->f = fopen(a->path, "a");
	if (!a->f)
		return fs_err_set(err, -errno, "%s: cannot open for append: %s", a->path, strerror(errno));
	return 0;
}

int fw_audit_append(fw_audit *a, const char *event, const char *detail, fs_err *err)
{
	if (!a->f)
		return fs_err_set(err, -EBADF, "%s: audit log not open", a->path);
	char ts[40];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct tm tm;
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One line is one event: control bytes and backslashes in the detail
	 * (an error message, a file name) are escaped, so nothing a value
	 * holds can end the line or look like a different line. */
	char esc[3000];
	size_t k = 0;
	for (const char *d = detail; *d && k + 5 < sizeof esc; d++) {
		unsigned char c = (unsigned char)*d;
		if (c < 0x20 || c == 0x7f)
			k += (size_t)snprintf(esc + k, sizeof esc - k, "\\x%02x", c);
		else if (c == '\\')
			esc[k++] = '\\', esc[k++] = '\\';
		else
			esc[k++] = (char)c;
	}
	esc[k] = '\0';
	char line[4096];
	/* The chain field is fixed-size at the very end: the detail is cut,
	 * never the hash. */
	int n = snprintf(line, sizeof line, "%ld %s %s %.3800s prev=%s", a->seq + 1, ts, event, esc, a->prev);
	if (n < 0 || (size_t)n >= sizeof line)
		return fs_err_set(err, -EINVAL, "%s: event %s too long for one line", a->path, event);
	for (int i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = ' ';   /* an event name with control bytes */
	off_t before = lseek(fileno(a->f), 0, SEEK_END);
	if (fprintf(a->f, "%s\n", line) < 0 || fflush(a->f) != 0 || fsync(fileno(a->f)) != 0) {
		int e = errno ? errno : EIO;
		/* No half line: cut what reached the file (ENOSPC mid-line), so
		 * a later append (run_end, after the reserve is freed) extends a
		 * log that still verifies. Unwritten buffered bytes are dropped. */
		clearerr(a->f);
		if (before >= 0) {
			__fpurge(a->f);
			if (ftruncate(fileno(a->f), before) != 0)
				e = errno;
		}
		return fs_err_set(err, -e, "%s: append failed: %s", a->path, strerror(e));
	}
	fw_sha256_hex(line, (size_t)n, a->prev);
	a->seq++;
	return 0;
}

void fw_audit_close(fw_audit *a)
{
	if (a->f)
		fclose(a->f);
	a->f = NULL;
}

const char *fw_audit_prev_field(const char *line, size_t n)
{
	if (n < 70 || memcmp(line + n - 70, " prev=", 6))
		return NULL;
	for (size_t i = n - 64; i < n; i++)
		if (!((line[i] >= '0' && line[i] <= '9') || (line[i] >= 'a' && line[i] <= 'f')))
			return NULL;
	return line + n - 64;
}

int fw_audit_verify(const char *path, fs_err *err)
{
	FILE *r = fopen(path, "r");
	if (!r)
		return fs_err_set(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	char prev[65], line[4096];
	memset(prev, '0', 64);
	prev[64] = '\0';
	int lines = 0;
	while (fgets(line, sizeof line, r)) {
		size_t n = strlen(line);
		if (!n || line[n - 1] != '\n')
			break; /* an unfinished last line (power cut) ends the log */
		line[--n] = '\0';
		lines++;
		/* The chain field is the last 70 characters: a value that contains
		 * " prev=" earlier in the line must not be taken for it. */
		const char *p = fw_audit_prev_field(line, n);
		if (!p || strcmp(p, prev)) {
			fclose(r);
			return fs_err_set(err, -EBADMSG, "%s:%d: previous-line hash does not match: log was altered",
					  path, lines);
		}
		fw_sha256_hex(line, n, prev);
	}
	fclose(r);
	return lines;
}
