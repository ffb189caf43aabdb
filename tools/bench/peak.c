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

/* One register-only loop: twelve independent accumulators of type VEC,
 * each iteration applying MAC(acc, a, b) to every one; the empty asm keeps
 * a and b from being treated as constants. Returns the MACs done
 * (MACS_PER_OP per instruction). FOLD reduces the accumulators to an int so
 * nothing is optimised away. */
#define PEAK_LOOP(NAME, TARGET, VEC, SET1, A, B, MAC, REG, ADD, FOLD, MACS_PER_OP)                   \
	__attribute__((target(TARGET))) static double NAME(long iters)                               \
	{                                                                                            \
		VEC a = SET1(A), b = SET1(B);                                                         \
		VEC c0 = SET1(0), c1 = SET1(1), c2 = SET1(2), c3 = SET1(3), c4 = SET1(4), c5 = SET1(5); \
		VEC c6 = SET1(6), c7 = SET1(7), c8 = SET1(8), c9 = SET1(9), c10 = SET1(10), c11 = SET1(11); \
		for (long n = 0; n < iters; n++) {                                                    \
			c0 = MAC(c0, a, b), c1 = MAC(c1, a, b), c2 = MAC(c2, a, b);                   \
			c3 = MAC(c3, a, b), c4 = MAC(c4, a, b), c5 = MAC(c5, a, b);                   \
			c6 = MAC(c6, a, b), c7 = MAC(c7, a, b), c8 = MAC(c8, a, b);                   \
			c9 = MAC(c9, a, b), c10 = MAC(c10, a, b), c11 = MAC(c11, a, b);               \
			__asm__ volatile("" : "+" REG(a), "+" REG(b));                                \
		}                                                                                     \
		VEC s = ADD(ADD(ADD(ADD(c0, c1), ADD(c2, c3)), ADD(ADD(c4, c5), ADD(c6, c7))),        \
			    ADD(ADD(c8, c9), ADD(c10, c11)));                                         \
		volatile int sink = FOLD(s);                                                          \
		(void)sink;                                                                           \
		return (double)iters * 12 * (MACS_PER_OP);                                            \
	}

/* vpmaddwd then vpaddd: 16 int16 MACs per pair of instructions. The
 * product takes the accumulator as an operand: madd(a, b) would be the same
 * value for all twelve, and the compiler computes it once per iteration. */
__attribute__((target("avx2"))) static inline __m256i madd_avx2(__m256i acc, __m256i a, __m256i b)
{
	(void)a;
	return _mm256_add_epi32(acc, _mm256_madd_epi16(acc, b));
}

__attribute__((target("avx2"))) static inline int low_lane_avx2(__m256i s)
{
	return _mm256_extract_epi32(s, 0);
}

PEAK_LOOP(run_avx512vnni, "avx512f,avx512bw,avx512vnni", __m512i, _mm512_set1_epi32, 0x01020304, 0x05060708,
	  _mm512_dpbusd_epi32, "v", _mm512_add_epi32, _mm512_reduce_add_epi32, 64)
PEAK_LOOP(run_avxvnni, "avx2,avxvnni", __m256i, _mm256_set1_epi32, 0x01020304, 0x05060708,
	  _mm256_dpbusd_avx_epi32, "x", _mm256_add_epi32, low_lane_avx2, 32)
PEAK_LOOP(run_avx2, "avx2", __m256i, _mm256_set1_epi32, 0x00010002, 0x00030004, madd_avx2, "x", _mm256_add_epi32,
	  low_lane_avx2, 16)
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
