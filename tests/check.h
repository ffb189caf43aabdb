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

#endif
