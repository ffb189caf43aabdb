/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Minimal test protocol shared by every C test program: each case prints
 * "PASS <name>" or "FAIL <name>: <why>"; tests/run.sh counts the lines.
 */
#ifndef FS_TESTS_CHECK_H
#define FS_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

typedef struct check_state {
	int failed_in_case;
	int total_failed;
	const char *case_name;
} check_state;

/* Start a case; CHECK failures inside it are reported once at check_end. */
static inline void check_begin(check_state *s, const char *name)
{
	s->failed_in_case = 0;
	s->case_name = name;
}

#define CHECK(s, cond, ...)                                                   \
	do {                                                                  \
		if (!(cond) && !(s)->failed_in_case) {                        \
			(s)->failed_in_case = 1;                              \
			printf("FAIL %s: %s:%d: ", (s)->case_name, __FILE__, __LINE__); \
			printf(__VA_ARGS__);                                  \
			printf("\n");                                         \
		}                                                             \
	} while (0)

static inline void check_end(check_state *s)
{
	if (s->failed_in_case)
		s->total_failed++;
	else
		printf("PASS %s\n", s->case_name);
	fflush(stdout);
}

/* Exit status for main: non-zero if anything failed. */
static inline int check_exit(const check_state *s)
{
	return s->total_failed ? 1 : 0;
}

/* Path under ../shared (FS_SHARED), or NULL if it is not set. */
static inline const char *check_shared_dir(void)
{
	const char *d = getenv("FS_SHARED");
	return d && *d ? d : NULL;
}

/* ---- small file helpers shared by the test programs --------------------- */
#include <stdarg.h>
#include <sys/stat.h>

/* snprintf through a va_list: test paths are bounded by the test tree, and
 * a cut one only fails to open (GCC's truncation warning would not know). */
static inline int check_sfmt(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int check_sfmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static inline int check_is_file(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Whole file into a malloc'd, NUL-terminated buffer; NULL if unreadable. */
static inline void *check_read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
			buf = malloc((size_t)n + 1);
			if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
				free(buf);
				buf = NULL;
			}
			if (buf != NULL)
				buf[n] = '\0';
			*size = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* Engine tests run under several thread counts (tests/nn/variants.test.sh
 * sets FS_TEST_THREADS); results must not depend on it. Only for files
 * that include fsnn.h before this header. */
#ifdef FSNN_H
static inline fsnn_status check_context_new(const fsnn_model *m, fsnn_context **ctx, fsnn_error *err)
{
	const char *t = getenv("FS_TEST_THREADS");
	fsnn_context_options o = { .num_threads = t ? atoi(t) : 1 };
	return fsnn_context_new_opts(m, &o, ctx, err);
}
#endif

#endif
