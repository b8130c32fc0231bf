#ifndef SEGKERNELS_C_H
#define SEGKERNELS_C_H

// What SegKernels reaches through the C ABI: CPU feature detection (cpuid and the auxiliary vector
// have no Swift API), and the dot-product convolution micro-kernel, which is Swift compiled in its
// own module (SegKernelsDotProd) with the extension enabled; a C call keeps its body out of
// callers compiled without the extension.

#include <stdint.h>

/// Bit of segd_cpu_features(): aarch64 Armv8.2 DotProd (sdot/udot), getauxval(AT_HWCAP) & HWCAP_ASIMDDP.
#define SEGD_CPU_ARM_DOTPROD 1u
/// Bit of segd_cpu_features(): x86_64 AVX-512 F/BW/VL + VNNI (vpdpbusd on zmm), zmm state saved by the OS.
#define SEGD_CPU_X86_AVX512_VNNI 2u

/// The instruction-set extensions of the CPU this process runs on that segd's kernels can use.
/// Asks the kernel (auxiliary vector) or the CPU (cpuid); cheap, thread-safe, no allocation.
uint32_t segd_cpu_features(void);

/// One accumulator tile of the dot-product convolution micro-kernel (aarch64 and x86_64 only;
/// layout and arguments documented at its definition, SegKernelsDotProd/DotProductConvTile.swift).
/// Call only when segd_cpu_features() reports the extension.
void segk_dot_product_conv_tile(intptr_t taps, intptr_t k_groups, const int8_t *const *input_rows,
                                const void *panel, int32_t *accumulators, intptr_t row_stride);

#endif
