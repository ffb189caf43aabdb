/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time CPU feature detection for kernel variants, and the
 * FSNN_KERNELS selection syntax. Binaries are built for the baseline ISA
 * (x86-64, armv8-a); only the variant files are compiled with wider target
 * flags, and they run only where these checks found the features.
 */
#include <stdio.h>
#include <string.h>

#include "nn_internal.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

static const struct {
	const char *name;
	unsigned bit;
} feature_names[] = {
	{ "generic", NN_CPU_GENERIC }, { "avx2", NN_CPU_AVX2 }, { "avxvnni", NN_CPU_AVXVNNI },
	{ "avx512vnni", NN_CPU_AVX512VNNI }, { "neon", NN_CPU_NEON }, { "dotprod", NN_CPU_DOTPROD },
};
#define NUM_FEATURES (sizeof feature_names / sizeof feature_names[0])

unsigned nn_cpu_detect(void)
{
	unsigned f = NN_CPU_GENERIC;
#if defined(__x86_64__) && defined(__GNUC__)
	/* cpuid and xgetbv directly (not __builtin_cpu_supports, which pulls
	 * libgcc's __cpu_model into an engine that links only libc/libm/
	 * libpthread): the CPU must have the instructions and the OS must
	 * save the vector registers they use. */
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
		return f;
	unsigned xcr0_lo, xcr0_hi;
	__asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
	const bool ymm_saved = (xcr0_lo & 0x6) == 0x6, zmm_saved = (xcr0_lo & 0xE6) == 0xE6;
	if (!ymm_saved || __get_cpuid_max(0, NULL) < 7)
		return f;
	__cpuid_count(7, 0, a, b, c, d);
	if (b & bit_AVX2)
		f |= NN_CPU_AVX2;
	const bool avx512 = (b & bit_AVX512F) && (b & bit_AVX512BW) && (b & bit_AVX512VL);
	if ((f & NN_CPU_AVX2) && zmm_saved && avx512 && (c & bit_AVX512VNNI))
		f |= NN_CPU_AVX512VNNI;
	__cpuid_count(7, 1, a, b, c, d);
	if ((f & NN_CPU_AVX2) && (a & (1u << 4)))   /* CPUID.(7,1):EAX[4] = AVX-VNNI */
		f |= NN_CPU_AVXVNNI;
#elif defined(__aarch64__) && defined(__linux__)
	unsigned long hw = getauxval(AT_HWCAP);
	if (hw & HWCAP_ASIMD)
		f |= NN_CPU_NEON;
	if ((hw & HWCAP_ASIMD) && (hw & HWCAP_ASIMDDP))
		f |= NN_CPU_DOTPROD;
#endif
	return f;
}

bool nn_cpu_parse(const char *spec, unsigned detected, unsigned *mask, char *err_name,
		  size_t err_name_size)
{
	if (spec == NULL || spec[0] == '\0' || strcmp(spec, "auto") == 0) {
		*mask = detected;
		return true;
	}
	if (strcmp(spec, "ref") == 0) {
		*mask = 0;
		return true;
	}
	unsigned want = 0;
	const char *p = spec;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		bool found = false;
		for (size_t i = 0; i < NUM_FEATURES && !found; i++)
			if (strlen(feature_names[i].name) == n && strncmp(p, feature_names[i].name, n) == 0) {
				want |= feature_names[i].bit;
				found = true;
			}
		if (!found) {
			if (err_name != NULL && err_name_size > 0)
				snprintf(err_name, err_name_size, "%.*s", (int)n, p);
			return false;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	*mask = want & detected;
	return true;
}
