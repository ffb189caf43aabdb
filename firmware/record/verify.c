/* SPDX-License-Identifier: BSD-3-Clause */
/* `fieldscope verify RUN_DIR`: what a lab (or the kill -9 and disk-full
 * tests) needs to trust a run folder without Python: the audit chain
 * holds, every FOV with a COMPLETE marker has each file it lists with the
 * SHA-256 it lists, and is in the audit log. */
#include "record_priv.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"

int rec_read_small(const char *path, char *buf, size_t size, fs_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return fs_err_set(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	size_t n = fread(buf, 1, size - 1, f);
	int bad = ferror(f), more = !bad && fgetc(f) != EOF;
	fclose(f);
	buf[n] = '\0';
	if (bad)
		return fs_err_set(err, -EIO, "%s: read error", path);
	if (more)
		return fs_err_set(err, -EFBIG, "%s: larger than %zu bytes", path, size - 1);
	if (memchr(buf, '\0', n))
		return fs_err_set(err, -EINVAL, "%s: NUL byte: expected JSON text", path);
	return 0;
}

int rec_json_int(const char *json, const char *key, long *out)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\": ", key);
	const char *p = strstr(json, pat);
	if (!p)
		return -1;
	char *end;
	*out = strtol(p + strlen(pat), &end, 10);
	return end == p + strlen(pat) ? -1 : 0;
}

/* Calls fn(name, sha256) for each member of the marker's "sha256" object. */
static int each_hash(const char *json, const char *where, int (*fn)(const char *name, const char *hex, void *user),
		     void *user, fs_err *err)
{
	const char *p = strstr(json, "\"sha256\": {");
	if (!p)
		return fs_err_set(err, -EBADMSG, "%s: no \"sha256\" object: expected the FOV's file hashes", where);
	p += strlen("\"sha256\": {");
	int n = 0;
	for (;;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '}')
			break;
		char name[256], hex[65];
		int used = 0;
		if (sscanf(p, "\"%255[^\"]\": \"%64[0-9a-f]\"%n", name, hex, &used) != 2 || !used || strlen(hex) != 64)
			return fs_err_set(err, -EBADMSG, "%s: malformed \"sha256\" entry near '%.30s'", where, p);
		/* A name is a file of the FOV folder, never a path out of it. */
		if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
			return fs_err_set(err, -EBADMSG, "%s: file name '%s' is not a plain name", where, name);
		int rc = fn(name, hex, user);
		if (rc)
			return rc;
		n++;
		p += used;
	}
	return n;
}

typedef struct hash_check {
	const char *dir;
	fs_err *err;
} hash_check;

static int check_one(const char *name, const char *hex, void *user)
{
	hash_check *hc = user;
	char path[1200], got[65];
	snprintf(path, sizeof path, "%s/%s", hc->dir, name);
	int rc = fw_sha256_file(path, got, hc->err);
	if (rc)
		return rc;
	if (strcmp(got, hex))
		return fs_err_set(hc->err, -EBADMSG, "%s: SHA-256 %.12s... differs from %.12s... in its COMPLETE marker",
				  path, got, hex);
	return 0;
}

int rec_check_fov(const char *fov_dir, long *cells, fs_err *err)
{
	char path[1100], json[16384];
	snprintf(path, sizeof path, "%s/COMPLETE", fov_dir);
	int rc = rec_read_small(path, json, sizeof json, err);
	if (rc)
		return rc;
	if (cells && rec_json_int(json, "cells", cells))
		return fs_err_set(err, -EBADMSG, "%s: no \"cells\" count", path);
	hash_check hc = {fov_dir, err};
	rc = each_hash(json, path, check_one, &hc, err);
	if (rc == 0)
		return fs_err_set(err, -EBADMSG, "%s: lists no files", path);
	return rc < 0 ? rc : 0;
}

int rec_fov_dirs(const char *run_dir, int **fovs, int *n, fs_err *err)
{
	*fovs = NULL;
	*n = 0;
	DIR *d = opendir(run_dir);
	if (!d)
		return fs_err_set(err, -errno, "%s: cannot list: %s", run_dir, strerror(errno));
	int cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		int no;
		char tail;
		if (sscanf(de->d_name, "fov-%d%c", &no, &tail) != 1 || no <= 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			int *nf = realloc(*fovs, (size_t)cap * sizeof *nf);
			if (!nf) {
				closedir(d);
				free(*fovs);
				*fovs = NULL;
				return fs_err_set(err, -ENOMEM, "%s: out of memory listing FOVs", run_dir);
			}
			*fovs = nf;
		}
		(*fovs)[(*n)++] = no;
	}
	closedir(d);
	return 0;
}

int rec_audit_fov_event(const char *audit, const char *event, int fov)
{
	char a[96];
	snprintf(a, sizeof a, " %s fov=%d ", event, fov);
	return strstr(audit, a) != NULL;
}

/* Whether the audit text has "fov_complete fov=N " or "fov_recovered fov=N ". */
int rec_audit_has_fov(const char *audit, int fov)
{
	return rec_audit_fov_event(audit, "fov_complete", fov) || rec_audit_fov_event(audit, "fov_recovered", fov);
}

char *rec_read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t used = 0, cap = 0;
	for (;;) {
		if (cap - used < 65536) {
			size_t nc = cap ? cap * 2 : 65536 * 2;
			char *nb = realloc(buf, nc + 1);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap = nc;
		}
		size_t n = fread(buf + used, 1, cap - used, f);
		used += n;
		if (!n)
			break;
	}
	fclose(f);
	buf[used] = '\0';
	if (size)
		*size = used;
	return buf;
}

int fw_run_verify(const char *run_dir, fw_verify_stats *st, fs_err *err)
{
	memset(st, 0, sizeof *st);
	char path[1100];
	struct stat sb;
	if (stat(run_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return fs_err_set(err, -ENOENT, "%s: not a run folder", run_dir);
	snprintf(path, sizeof path, "%s/audit.log", run_dir);
	int lines = fw_audit_verify(path, err);
	if (lines < 0)
		return lines;
	st->audit_lines = lines;
	char *audit = rec_read_all(path, NULL);
	if (!audit)
		return fs_err_set(err, -EIO, "%s: cannot read", path);
	int *fovs, n;
	int rc = rec_fov_dirs(run_dir, &fovs, &n, err);
	for (int i = 0; !rc && i < n; i++) {
		char fd[1100], marker[1200];
		snprintf(fd, sizeof fd, "%s/fov-%05d", run_dir, fovs[i]);
		snprintf(marker, sizeof marker, "%s/COMPLETE", fd);
		if (stat(marker, &sb) != 0) {
			st->incomplete++;
			continue;
		}
		if ((rc = rec_check_fov(fd, NULL, err)))
			break;
		if (!rec_audit_has_fov(audit, fovs[i])) {
			rc = fs_err_set(err, -EBADMSG, "%s: complete, but audit.log has no fov_complete or fov_recovered "
					"line for it (the run was not recovered after an interruption)", fd);
			break;
		}
		st->fovs_verified++;
	}
	free(fovs);
	free(audit);
	snprintf(path, sizeof path, "%s/COMPLETE", run_dir);
	st->run_complete = stat(path, &sb) == 0;
	return rc;
}
