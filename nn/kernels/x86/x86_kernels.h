/*
 * Private to nn/kernels/x86/: pieces the x86 variants share across files
 * (each file is compiled with its own target flags, see nn/module.mk).
 */
#ifndef NN_X86_KERNELS_H
#define NN_X86_KERNELS_H

#include "../common/conv_gemm.h"

/* nn_gemm_ukernel.requant for 256-bit AVX2 (exactly nn_requant_fp32). */
void nn_x86_requant_avx2(const int32_t *acc, const int32_t *bias, int32_t corr, const float *scale,
			 int32_t zp, int32_t qmin, int32_t qmax, int n, bool out_u8, void *out);

#endif
