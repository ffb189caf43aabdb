/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peak — the CPU's int8 multiply-accumulate ceiling for one core, as the
 * yardstick for fsnn's GMAC/s in make bench. A register-only loop of
 * independent dot-product instructions (no loads, no dependencies between
 * consecutive ones), for the widest one the CPU has: AVX-512 VNNI vpdpbusd
 * (64 MACs), AVX-VNNI (32), AVX2 vpmaddwd (16 MACs); Arm SDOT (16) or
 * SMLAL (8, counting the widening pair). Prints one JSON line.
 *
 *   peak [SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define REPEAT12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

__attribute__((target("avx512f,avx512bw,avx512vnni")))
static double run_avx512vnni(long iters)
{
	__m512i a = _mm512_set1_epi32(0x01020304), b = _mm512_set1_epi32(0x05060708);
#define DECL(i) __m512i acc##i = _mm512_set1_epi32(i);
	REPEAT12(DECL)
#undef DECL
	for (long n = 0; n < iters; n++) {
#define STEP(i) acc##i = _mm512_dpbusd_epi32(acc##i, a, b);
		REPEAT12(STEP)
#undef STEP
		__asm__ volatile("" : "+v"(a), "+v"(b));
	}
	__m512i s = acc0;
#define SUM(i) s = _mm512_add_epi32(s, acc##i);
	REPEAT12(SUM)
#undef SUM
	volatile int sink = _mm512_reduce_add_epi32(s);
	(void)sink;
	return (double)iters * 12 * 64;
}

__attribute__((target("avx2,avxvnni")))
static double run_avxvnni(long iters)
{
	__m256i a = _mm256_set1_epi32(0x01020304), b = _mm256_set1_epi32(0x05060708);
#define DECL(i) __m256i acc##i = _mm256_set1_epi32(i);
	REPEAT12(DECL)
#undef DECL
	for (long n = 0; n < iters; n++) {
#define STEP(i) acc##i = _mm256_dpbusd_avx_epi32(acc##i, a, b);
		REPEAT12(STEP)
#undef STEP
		__asm__ volatile("" : "+x"(a), "+x"(b));
	}
	__m256i s = acc0;
#define SUM(i) s = _mm256_add_epi32(s, acc##i);
	REPEAT12(SUM)
#undef SUM
	volatile int sink = _mm256_extract_epi32(s, 0);
	(void)sink;
	return (double)iters * 12 * 32;
}

__attribute__((target("avx2")))
static double run_avx2(long iters)
{
	__m256i a = _mm256_set1_epi32(0x00010002), b = _mm256_set1_epi32(0x00030004);
#define DECL(i) __m256i acc##i = _mm256_set1_epi32(i);
	REPEAT12(DECL)
#undef DECL
	for (long n = 0; n < iters; n++) {
#define STEP(i) acc##i = _mm256_add_epi32(acc##i, _mm256_madd_epi16(a, b));
		REPEAT12(STEP)
#undef STEP
		__asm__ volatile("" : "+x"(a), "+x"(b));
	}
	__m256i s = acc0;
#define SUM(i) s = _mm256_add_epi32(s, acc##i);
	REPEAT12(SUM)
#undef SUM
	volatile int sink = _mm256_extract_epi32(s, 0);
	(void)sink;
	return (double)iters * 12 * 16;
}
#endif

typedef double (*loop_fn)(long);

/* Doubles the iterations until one run takes `seconds`, then reports the
 * best of three such runs (the least disturbed by other processes). */
static double measure(loop_fn f, double seconds)
{
	long iters = 1000;
	for (;;) {
		double t0 = now_s();
		f(iters);
		if (now_s() - t0 >= seconds / 4 || iters > (1L << 40))
			break;
		iters *= 2;
	}
	double best = 0;
	for (int r = 0; r < 3; r++) {
		double t0 = now_s();
		double macs = f(iters);
		double gmacs = macs / (now_s() - t0) / 1e9;
		if (gmacs > best)
			best = gmacs;
	}
	return best;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		puts("usage: peak [SECONDS]\nOne core's int8 MAC ceiling from a register-only loop of the widest\n"
		     "dot-product instruction this CPU has; prints one JSON line.");
		return 0;
	}
	double seconds = argc > 1 ? atof(argv[1]) : 0.5;
	if (!(seconds > 0 && seconds < 600)) {
		fprintf(stderr, "peak: SECONDS must be between 0 and 600, got '%s'\n", argv[1]);
		return 2;
	}
#if defined(__x86_64__)
	__builtin_cpu_init();
	const char *isa = "none";
	loop_fn f = NULL;
	if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw")) {
		isa = "avx512vnni vpdpbusd zmm";
		f = run_avx512vnni;
	} else if (__builtin_cpu_supports("avxvnni")) {
		isa = "avxvnni vpdpbusd ymm";
		f = run_avxvnni;
	} else if (__builtin_cpu_supports("avx2")) {
		isa = "avx2 vpmaddwd ymm";
		f = run_avx2;
	}
	if (f == NULL) {
		fprintf(stderr, "peak: no AVX2 on this CPU\n");
		return 1;
	}
	printf("{\"isa\": \"%s\", \"peak_gmac_per_s_one_core\": %.1f}\n", isa, measure(f, seconds));
	return 0;
#else
	fprintf(stderr, "peak: only x86-64 is measured here; see the Arm estimate in nn/README.md\n");
	return 1;
#endif
}
