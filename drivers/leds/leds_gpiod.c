/* SPDX-License-Identifier: BSD-3-Clause */
/* "gpiod" backend: libgpiod 1.6 character-device API (Debian 12, Raspberry
 * Pi OS bookworm). Only this file knows libgpiod; a v2 backend would be a
 * second file filling the same fs_leds_ops. When the project is built
 * without libgpiod (no pkg-config entry) the backend is present but every
 * call says so, as the libcamera camera backend does. */
#include "leds_backend.h"
#include "leds_gpiod.h"

#include <errno.h>
#include <stdio.h>

#ifdef FS_HAVE_LIBGPIOD

#include <dirent.h>
#include <fcntl.h>
#include <gpiod.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHIPS 16

typedef struct gp {
	struct gpiod_chip *chips[MAX_CHIPS];  /* kept open while lines are held */
	int n_chips;
	struct gpiod_line *out[FS_LEDS_MAX_LINES + 1];  /* + status LED */
	int n_out;
	struct gpiod_line *button;
	pid_t guard_pid;        /* kill -9 guard process, 0 = none */
	int guard_fd;           /* write end of its pipe */
} gp;

static struct gpiod_chip *keep_chip(gp *g, struct gpiod_chip *c)
{
	for (int i = 0; i < g->n_chips; i++) {
		if (strcmp(gpiod_chip_name(g->chips[i]), gpiod_chip_name(c)) == 0) {
			gpiod_chip_close(c);
			return g->chips[i];
		}
	}
	if (g->n_chips == MAX_CHIPS) {
		gpiod_chip_close(c);
		return NULL;
	}
	return g->chips[g->n_chips++] = c;
}

/* Lists every chip's line names into msg (for "unknown line" errors). */
static void list_names(char *msg, size_t size, size_t n)
{
	struct gpiod_chip_iter *it = gpiod_chip_iter_new();
	if (!it) {
		snprintf(msg + n, size - n, " (no GPIO chips could be opened: %s)", strerror(errno));
		return;
	}
	struct gpiod_chip *c;
	int chips = 0;
	gpiod_foreach_chip(it, c) {
		chips++;
		if (n >= size) continue;
		n += (size_t)snprintf(msg + n, size - n, " %s (%s) [", gpiod_chip_name(c),
				      gpiod_chip_label(c));
		int unnamed = 0, first = 1;
		for (unsigned i = 0; i < gpiod_chip_num_lines(c) && n < size; i++) {
			struct gpiod_line *ln = gpiod_chip_get_line(c, i);
			const char *nm = ln ? gpiod_line_name(ln) : NULL;
			if (!nm || !*nm) { unnamed++; continue; }
			n += (size_t)snprintf(msg + n, size - n, "%s%s", first ? "" : " ", nm);
			first = 0;
		}
		if (n < size)
			n += (size_t)snprintf(msg + n, size - n, unnamed ? "%s+%d unnamed]" : "]",
					      first ? "" : " ", unnamed);
	}
	gpiod_chip_iter_free(it);
	if (!chips && n < size)
		snprintf(msg + n, size - n, " no GPIO chips under /dev");
}

static struct gpiod_line *resolve(gp *g, const char *spec, fs_err *err)
{
	char chipname[FS_LEDS_NAME_MAX];
	unsigned off;
	if (fs_leds_spec_split(spec, chipname, sizeof chipname, &off)) {
		struct gpiod_chip *c = gpiod_chip_open_lookup(chipname);
		if (!c) {
			fs_err_set(err, -ENODEV, "line '%s': cannot open GPIO chip '%s': %s", spec,
				   chipname, strerror(errno));
			return NULL;
		}
		unsigned n = gpiod_chip_num_lines(c);
		if (off >= n) {
			fs_err_set(err, -EINVAL, "line '%s': %s has lines 0..%u, not %u", spec,
				   gpiod_chip_name(c), n - 1, off);
			gpiod_chip_close(c);
			return NULL;
		}
		if (!(c = keep_chip(g, c))) {
			fs_err_set(err, -ENOSPC, "line '%s': more than %d GPIO chips", spec, MAX_CHIPS);
			return NULL;
		}
		return gpiod_chip_get_line(c, off);
	}
	struct gpiod_chip_iter *it = gpiod_chip_iter_new();
	if (it) {
		struct gpiod_chip *c;
		gpiod_foreach_chip_noclose(it, c) {
			struct gpiod_line *ln = gpiod_chip_find_line(c, spec);
			if (ln) {
				/* closes the chips not visited yet; visited ones
				 * were closed below */
				gpiod_chip_iter_free_noclose(it);
				unsigned off = gpiod_line_offset(ln);
				struct gpiod_chip *kept = keep_chip(g, c);
				if (!kept) {
					fs_err_set(err, -ENOSPC, "line '%s': more than %d GPIO chips", spec, MAX_CHIPS);
					return NULL;
				}
				return kept == c ? ln : gpiod_chip_get_line(kept, off);
			}
			gpiod_chip_close(c);
		}
		gpiod_chip_iter_free_noclose(it);
	}
	char msg[FS_ERR_MSG_MAX];
	size_t n = (size_t)snprintf(msg, sizeof msg, "no GPIO line named '%s'; chips offer:", spec);
	list_names(msg, sizeof msg, n);
	fs_err_set(err, -ENOENT, "%s", msg);
	return NULL;
}

static int request_failed(struct gpiod_line *ln, const char *spec, const char *what, fs_err *err)
{
	int e = errno;
	if (e == EBUSY) {
		gpiod_line_update(ln);
		const char *who = gpiod_line_consumer(ln);
		return fs_err_set(err, -EBUSY, "line '%s' (%s offset %u) is busy: already requested by '%s'",
				  spec, gpiod_chip_name(gpiod_line_get_chip(ln)), gpiod_line_offset(ln),
				  who && *who ? who : "an unnamed consumer");
	}
	return fs_err_set(err, e ? -e : -EIO, "line '%s': cannot request it as %s: %s", spec, what,
			  strerror(e));
}

/* The guard process holds copies of the output line handles. When the
 * owner dies in any way (kill -9 too) its pipe end closes; the guard then
 * drives every output off through its copies and exits, which releases
 * the lines. A clean close writes 'q' first so the guard exits quietly. */
/* The guard must not keep the owner's other files open (a V4L2 fd copy
 * would keep the camera streaming and busy): keep only stdio, the pipe and
 * the GPIO chip and line handles. */
static void close_foreign_fds(int rfd)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd <= 2 || fd == rfd || fd == dirfd(d))
			continue;
		char path[64], target[128];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(path, target, sizeof target - 1);
		target[n > 0 ? n : 0] = '\0';
		if (strncmp(target, "anon_inode:gpio", 15) != 0 && strncmp(target, "/dev/gpiochip", 13) != 0)
			close(fd);
	}
	closedir(d);
}

static void guard_child(gp *g, int rfd)
{
	close_foreign_fds(rfd);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	char c = 0;
	ssize_t r;
	while ((r = read(rfd, &c, 1)) < 0 && errno == EINTR)
		;
	int off = 0;
	for (int i = 0; i < g->n_out; i++)
		if (g->out[i] && gpiod_line_set_value(g->out[i], 0) == 0)
			off++;
	if (!(r == 1 && c == 'q')) {
		char msg[128];
		int n = snprintf(msg, sizeof msg,
				 "fs_leds guard: owner process gone; switched %d output lines off\n", off);
		if (write(STDERR_FILENO, msg, (size_t)n) < 0) { /* nothing else to do */ }
	}
	_exit(0);   /* skip atexit handlers and sanitizer reports of the parent's heap */
}

static int start_guard(gp *g, fs_err *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return fs_err_set(err, -errno, "guard: pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return fs_err_set(err, -e, "guard: fork: %s", strerror(e));
	}
	if (pid == 0) {
		close(p[1]);
		guard_child(g, p[0]);
	}
	close(p[0]);
	g->guard_pid = pid;
	g->guard_fd = p[1];
	return 0;
}

static void gp_close(void *priv)
{
	gp *g = priv;
	for (int i = 0; i < g->n_out; i++)
		if (g->out[i])
			gpiod_line_set_value(g->out[i], 0);
	if (g->guard_pid > 0) {
		if (write(g->guard_fd, "q", 1) < 0) { /* the guard switches off anyway */ }
		close(g->guard_fd);
		while (waitpid(g->guard_pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < g->n_out; i++)
		if (g->out[i])
			gpiod_line_release(g->out[i]);
	if (g->button)
		gpiod_line_release(g->button);
	for (int i = 0; i < g->n_chips; i++)
		gpiod_chip_close(g->chips[i]);
	free(g);
}

static int gp_open(const fs_leds_config *cfg, void **priv, fs_err *err)
{
	gp *g = calloc(1, sizeof *g);
	if (!g)
		return fs_err_set(err, -ENOMEM, "out of memory");
	int rc = 0;
	g->n_out = cfg->n_lines + 1;
	for (int i = 0; i <= cfg->n_lines && rc == 0; i++) {
		const char *spec = i < cfg->n_lines ? cfg->lines[i].spec : cfg->status;
		bool low = i < cfg->n_lines ? cfg->lines[i].active_low : cfg->status_active_low;
		if (!*spec)
			continue;   /* no status LED */
		struct gpiod_line *ln = resolve(g, spec, err);
		if (!ln) {
			rc = err ? err->code : -ENOENT;
			break;
		}
		/* Requested with the off level as the initial value. */
		if (gpiod_line_request_output_flags(ln, cfg->consumer,
						    low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0, 0) < 0) {
			rc = request_failed(ln, spec, "output", err);
			break;
		}
		g->out[i] = ln;
	}
	if (rc == 0 && cfg->button[0]) {
		struct gpiod_line *ln = resolve(g, cfg->button, err);
		if (!ln)
			rc = err ? err->code : -ENOENT;
		else if (gpiod_line_request_both_edges_events(ln, cfg->consumer) < 0)
			rc = request_failed(ln, cfg->button, "edge-event input", err);
		else
			g->button = ln;
	}
	/* The guard exists to switch outputs off; a board with none (a button
	 * only, as `fsprobe button`) needs no second process. */
	const fs_leds_gpiod_opts *o = cfg->backend_opts;
	bool outputs = cfg->n_lines > 0 || cfg->status[0];
	if (rc == 0 && outputs && !(o && o->no_guard_process))
		rc = start_guard(g, err);
	if (rc < 0) {
		gp_close(g);
		return rc;
	}
	*priv = g;
	return 0;
}

static int gp_set(void *priv, int index, int lit, fs_err *err)
{
	gp *g = priv;
	struct gpiod_line *ln = g->out[index];
	if (!ln)
		return fs_err_set(err, -EINVAL, "output %d is not configured", index);
	if (gpiod_line_set_value(ln, lit ? 1 : 0) < 0)
		return fs_err_set(err, -errno, "%s offset %u: set value %d: %s",
				  gpiod_chip_name(gpiod_line_get_chip(ln)), gpiod_line_offset(ln),
				  lit, strerror(errno));
	return 0;
}

static int gp_button_level(void *priv, fs_err *err)
{
	gp *g = priv;
	int v = gpiod_line_get_value(g->button);
	if (v < 0)
		return fs_err_set(err, -errno, "button: read value: %s", strerror(errno));
	return v;
}

static int gp_button_edge(void *priv, int timeout_ms, fs_err *err)
{
	gp *g = priv;
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
	int rc = gpiod_line_event_wait(g->button, timeout_ms < 0 ? NULL : &ts);
	if (rc < 0)
		return fs_err_set(err, -errno, "button: wait for edge: %s", strerror(errno));
	if (rc == 0)
		return 0;
	struct gpiod_line_event ev;
	if (gpiod_line_event_read(g->button, &ev) < 0)
		return fs_err_set(err, -errno, "button: read edge event: %s", strerror(errno));
	return 1;
}

/* ---- bring-up listing ------------------------------------------------- */

static int gp_probe(FILE *out, fs_err *err)
{
	struct gpiod_chip_iter *it = gpiod_chip_iter_new();
	if (!it)
		return fs_err_set(err, -errno, "gpio: cannot list /dev/gpiochip*: %s", strerror(errno));
	struct gpiod_chip *c;
	int chips = 0;
	gpiod_foreach_chip(it, c) {
		chips++;
		fprintf(out, "gpio %s (%s): %u lines\n", gpiod_chip_name(c), gpiod_chip_label(c),
			gpiod_chip_num_lines(c));
		for (unsigned i = 0; i < gpiod_chip_num_lines(c); i++) {
			struct gpiod_line *ln = gpiod_chip_get_line(c, i);
			if (!ln)
				continue;
			const char *nm = gpiod_line_name(ln), *who = gpiod_line_consumer(ln);
			fprintf(out, "  line %3u: %-20s %-6s %s%s%s\n", i, nm && *nm ? nm : "(unnamed)",
				gpiod_line_direction(ln) == GPIOD_LINE_DIRECTION_OUTPUT ? "output" : "input",
				gpiod_line_is_used(ln) ? "used by " : "unused",
				gpiod_line_is_used(ln) ? (who && *who ? who : "kernel") : "",
				gpiod_line_active_state(ln) == GPIOD_LINE_ACTIVE_STATE_LOW ? " active-low" : "");
		}
	}
	gpiod_chip_iter_free(it);
	if (!chips)
		fprintf(out, "gpio: no chips (/dev/gpiochip* missing or not readable)\n");
	return chips;
}

#else /* !FS_HAVE_LIBGPIOD */

static int gp_open(const fs_leds_config *cfg, void **priv, fs_err *err)
{
	(void)priv;
	const char *first = cfg->n_lines ? cfg->lines[0].spec : cfg->status[0] ? cfg->status : cfg->button;
	return fs_err_set(err, -ENOTSUP, "line '%s': this build has no libgpiod (install libgpiod-dev and rebuild)",
			  first);
}

static int gp_set(void *priv, int index, int lit, fs_err *err)
{
	(void)priv;
	(void)index;
	(void)lit;
	return fs_err_set(err, -ENOTSUP, "this build has no libgpiod");
}

static int gp_button_level(void *priv, fs_err *err)
{
	(void)priv;
	return fs_err_set(err, -ENOTSUP, "this build has no libgpiod");
}

static int gp_button_edge(void *priv, int timeout_ms, fs_err *err)
{
	(void)priv;
	(void)timeout_ms;
	return fs_err_set(err, -ENOTSUP, "this build has no libgpiod");
}

static void gp_close(void *priv)
{
	(void)priv;
}

static int gp_probe(FILE *out, fs_err *err)
{
	(void)err;
	fprintf(out, "gpio: this build has no libgpiod\n");
	return 0;
}

#endif

const fs_leds_ops fs_leds_gpiod_ops = {
	.name = "gpiod",
	.open = gp_open,
	.set = gp_set,
	.button_level = gp_button_level,
	.button_edge = gp_button_edge,
	.close = gp_close,
	.probe = gp_probe,
};
