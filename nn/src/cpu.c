/*
 * Run-time CPU feature detection for kernel variants, and the
 * FSNN_KERNELS selection syntax. Binaries are built for the baseline ISA
 * (x86-64, armv8-a); only the variant files are compiled with wider target
 * flags, and they run only where these checks found the features.
 */
#include <stdio.h>
#include <string.h>

#include "nn_internal.h"

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
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		f |= NN_CPU_AVX2;
	if ((f & NN_CPU_AVX2) && __builtin_cpu_supports("avxvnni"))
		f |= NN_CPU_AVXVNNI;
	if ((f & NN_CPU_AVX2) && __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx512vnni"))
		f |= NN_CPU_AVX512VNNI;
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

const char *nn_cpu_names(unsigned mask, char *buf, size_t size)
{
	size_t used = 0;
	if (size > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < NUM_FEATURES; i++)
		if ((mask & feature_names[i].bit) && used < size)
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "," : "",
						 feature_names[i].name);
	if (used == 0 && size > 0)
		snprintf(buf, size, "ref");
	return buf;
}
