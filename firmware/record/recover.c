/* SPDX-License-Identifier: BSD-3-Clause */
/* Start-up recovery of runs that never ended (kill -9, power cut, a
 * watchdog restart): what the FOV markers prove goes into the audit log,
 * the leftovers go, and run.json stops saying "running". Runs that ended
 * (COMPLETE, or a run_end / run_recovered last line) are not touched. */
#include "record_priv.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "util/util.h"

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

/* Removes NAME.tmp files, the space reserve and the FOV list part file
 * directly in dir; returns how many. */
static int remove_leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!ends_with(de->d_name, ".tmp") && strcmp(de->d_name, ".reserve") && strcmp(de->d_name, ".fovs.part"))
			continue;
		char path[1200];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (unlink(path) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* The event of the log's last complete line ("" when none). An unfinished
 * last line (the kill came mid-write) is cut so the chain continues. */
static int last_event(const char *audit_path, char *event, size_t size, fs_err *err)
{
	event[0] = '\0';
	size_t n;
	char *text = rec_read_all(audit_path, &n);
	if (!text)
		return errno == ENOENT ? 0 : fs_err_set(err, -EIO, "%s: cannot read", audit_path);
	size_t keep = n;
	while (keep > 0 && text[keep - 1] != '\n')
		keep--;
	if (keep < n && truncate(audit_path, (off_t)keep) != 0) {
		free(text);
		return fs_err_set(err, -errno, "%s: cannot cut the unfinished last line: %s", audit_path, strerror(errno));
	}
	if (keep > 0) {
		text[keep - 1] = '\0';
		const char *line = strrchr(text, '\n');
		line = line ? line + 1 : text;
		char ev[64];
		if (sscanf(line, "%*s %*s %63s", ev) == 1)
			snprintf(event, size, "%s", ev);
	}
	free(text);
	return 0;
}

/* run.json's top-level status, ok and ended lines say what happened. */
static int mark_run_json(const char *run_dir, int run_no, const char *status, const char *fovs, fs_err *err)
{
	char path[1100], now[32];
	snprintf(path, sizeof path, "%s/run.json", run_dir);
	fw_iso_now(now, sizeof now);
	size_t n;
	char *text = rec_read_all(path, &n);
	char *out = NULL;
	size_t olen = 0;
	FILE *o = open_memstream(&out, &olen);
	if (!o) {
		free(text);
		return fs_err_set(err, -ENOMEM, "%s: out of memory", path);
	}
	if (!text) {   /* killed before the first run.json */
		fprintf(o, "{\n  \"firmware\": \"fieldscope\",\n  \"run\": %d,\n  \"status\": ", run_no);
		fw_json_str(o, status);
		fprintf(o, ",\n  \"ok\": false,\n  \"ended\": null,\n  \"recovered\": \"%s\",\n  \"recovered_fovs\": [%s]\n}\n",
			now, fovs);
	} else {
		int done_status = 0, done_ok = 0, done_ended = 0;
		for (char *line = text, *next; line && *line; line = next) {
			char *nl = strchr(line, '\n');
			next = nl ? nl + 1 : NULL;
			if (nl)
				*nl = '\0';
			if (!done_status && !strncmp(line, "  \"status\": ", 12)) {
				fputs("  \"status\": ", o);
				fw_json_str(o, status);
				fputs(",\n", o);
				done_status = 1;
			} else if (!done_ok && !strncmp(line, "  \"ok\": ", 8)) {
				fputs("  \"ok\": false,\n", o);
				done_ok = 1;
			} else if (!strncmp(line, "  \"recovered\": ", 16) || !strncmp(line, "  \"recovered_fovs\": ", 21)) {
				/* an earlier, interrupted recovery: replaced below */
			} else if (!done_ended && !strncmp(line, "  \"ended\": ", 11)) {
				/* FOVs the list below may lack: their markers proved them. */
				fprintf(o, "%s\n  \"recovered\": \"%s\",\n  \"recovered_fovs\": [%s],\n", line, now, fovs);
				done_ended = 1;
			} else {
				fprintf(o, "%s%s", line, nl ? "\n" : "");
			}
		}
	}
	int bad = fclose(o) != 0;
	free(text);
	int rc = bad ? fs_err_set(err, -ENOMEM, "%s: out of memory", path) : fw_write_file(path, out, olen, err);
	free(out);
	return rc;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int recover_run(const char *run_dir, int run_no, FILE *log, fw_recover_stats *st, fs_err *err)
{
	char audit_path[1100];
	snprintf(audit_path, sizeof audit_path, "%s/audit.log", run_dir);
	char ev[64];
	int rc = last_event(audit_path, ev, sizeof ev, err);
	if (rc)
		return rc;
	if (!strcmp(ev, "run_end") || !strcmp(ev, "run_recovered"))
		return 0;
	int removed = remove_leftovers(run_dir);
	int *fovs, n;
	if ((rc = rec_fov_dirs(run_dir, &fovs, &n, err)))
		return rc;
	qsort(fovs, (size_t)n, sizeof *fovs, cmp_int);
	char *audit = rec_read_all(audit_path, NULL);
	fw_audit a;
	rc = fw_audit_open(&a, run_dir, err);
	int recovered = 0, incomplete = 0;
	char list[2048] = "";
	size_t used = 0;
	for (int i = 0; !rc && i < n; i++) {
		char fd[1100], marker[1200];
		snprintf(fd, sizeof fd, "%s/fov-%05d", run_dir, fovs[i]);
		removed += remove_leftovers(fd);
		snprintf(marker, sizeof marker, "%s/COMPLETE", fd);
		struct stat sb;
		if (stat(marker, &sb) != 0) {
			incomplete++;
			continue;
		}
		if (audit && rec_audit_fov_event(audit, "fov_complete", fovs[i]))
			continue;
		if (audit && rec_audit_fov_event(audit, "fov_recovered", fovs[i])) {
			recovered++;   /* an earlier recovery that was itself interrupted */
			int w = snprintf(list + used, sizeof list - used, "%s%d", used ? ", " : "", fovs[i]);
			if (w > 0 && (size_t)w < sizeof list - used)
				used += (size_t)w;
			continue;
		}
		long cells = 0;
		fs_err fe;
		char detail[1400], sha[65];
		if (rec_check_fov(fd, &cells, &fe) || fw_sha256_file(marker, sha, &fe)) {
			/* A marker that does not verify proves nothing: say so. */
			snprintf(detail, sizeof detail, "fov=%d error=%s", fovs[i], fe.msg);
			rc = fw_audit_append(&a, "fov_unverified", detail, err);
			continue;
		}
		snprintf(detail, sizeof detail, "fov=%d cells=%ld complete_sha256=%s", fovs[i], cells, sha);
		rc = fw_audit_append(&a, "fov_recovered", detail, err);
		recovered++;
		int w = snprintf(list + used, sizeof list - used, "%s%d", used ? ", " : "", fovs[i]);
		if (w > 0 && (size_t)w < sizeof list - used)
			used += (size_t)w;   /* a kill leaves at most a few: the cap is not reached */
	}
	/* run.json first, run_recovered last: that line is what makes a later
	 * start leave this run alone, so a kill during recovery redoes it. */
	if (!rc) {
		char status[160];
		snprintf(status, sizeof status, "interrupted: recovered at start-up (%d FOV(s) from their markers, "
			 "%d incomplete)", recovered, incomplete);
		rc = mark_run_json(run_dir, run_no, status, list, err);
	}
	char detail[256];
	snprintf(detail, sizeof detail, "status=interrupted fovs_recovered=%d fovs_incomplete=%d tmp_removed=%d",
		 recovered, incomplete, removed);
	if (!rc)
		rc = fw_audit_append(&a, "run_recovered", detail, err);
	fw_audit_close(&a);
	free(audit);
	free(fovs);
	if (rc)
		return rc;
	fw_log(log, "recovered interrupted %s: %d FOV(s) added to audit.log from their markers, %d incomplete, "
		    "%d temporary file(s) removed", run_dir, recovered, incomplete, removed);
	st->runs++;
	st->fovs_recovered += recovered;
	st->tmp_removed += removed;
	return 0;
}

int fw_record_recover(const char *results_dir, FILE *log, fw_recover_stats *st, fs_err *err)
{
	memset(st, 0, sizeof *st);
	DIR *d = opendir(results_dir);
	if (!d)
		return errno == ENOENT ? 0 : fs_err_set(err, -errno, "%s: cannot list: %s", results_dir, strerror(errno));
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		int no;
		char tail;
		if (sscanf(de->d_name, "run-%d%c", &no, &tail) != 1)
			continue;
		char run_dir[900], marker[1000];
		if (snprintf(run_dir, sizeof run_dir, "%s/%s", results_dir, de->d_name) >= (int)sizeof run_dir)
			continue;   /* no run of ours: fw_run_dir_create uses shorter paths */
		snprintf(marker, sizeof marker, "%s/COMPLETE", run_dir);
		struct stat sb;
		if (stat(marker, &sb) == 0)
			continue;
		rc = recover_run(run_dir, no, log, st, err);
	}
	closedir(d);
	return rc;
}
