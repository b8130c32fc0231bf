#include "segkernels_c.h"

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1ul << 20)
#endif
uint32_t segd_cpu_features(void) {
  return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) ? SEGD_CPU_ARM_DOTPROD : 0;
}
#elif defined(__x86_64__)
uint32_t segd_cpu_features(void) {
  __builtin_cpu_init();
  int vnni = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  return vnni ? SEGD_CPU_X86_AVX512_VNNI : 0;
}
#else
uint32_t segd_cpu_features(void) { return 0; }
#endif
