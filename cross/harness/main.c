// Test and benchmark harness for the Embedded Swift build of SegKernels on aarch64 and armv7
// (cross/embedded-test.sh, bench/run.sh, bench/crf-arm.sh). Linked statically with glibc; the Swift
// side lives in Entry.swift and CRFEntry.swift.
//
//   harness conformance CASES SEED [FAMILY]   print digest lines, exit 1 on any mismatch
//   harness allocations                       exit 1 if a kernel call allocates
//   harness bench NAME REPEATS                run one benchmark workload between two marks
//   harness bench-list                        print the workload names
//   harness network FILE SEED                 run a compiled model once between two marks, print
//                                             its digest line; exit 1 if it is refused or allocates
//   harness crf WIDTH HEIGHT LABELS ITERATIONS  DenseCRF on a synthetic image between marks (see
//                                             CRFEntry.swift), print its mask digest line
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel_harness.h"

int32_t kernel_harness_conformance(int32_t cases, uint64_t seed, const char *family);
int32_t kernel_harness_allocation_check(void);
int32_t kernel_harness_bench(const char *name, int32_t repeats);
void kernel_harness_bench_list(void);
int32_t kernel_harness_network(const void *bytes, intptr_t count, uint64_t seed);
int32_t kernel_harness_crf(int32_t width, int32_t height, int32_t labels, int32_t iterations);

static uint64_t allocations;
uint64_t kernel_harness_allocations(void) { return allocations; }

__attribute__((noinline)) void kernel_harness_mark(int32_t id) { __asm__ volatile("" ::"r"(id) : "memory"); }

void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
int __real_posix_memalign(void **, size_t, size_t);
void *__real_aligned_alloc(size_t, size_t);
void *__wrap_malloc(size_t n) { allocations++; return __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t s) { allocations++; return __real_calloc(n, s); }
void *__wrap_realloc(void *p, size_t n) { allocations++; return __real_realloc(p, n); }
int __wrap_posix_memalign(void **p, size_t a, size_t n) { allocations++; return __real_posix_memalign(p, a, n); }
void *__wrap_aligned_alloc(size_t a, size_t n) { allocations++; return __real_aligned_alloc(a, n); }

// Reads the compiled model at `path` into a 64-byte aligned buffer (the alignment its sections
// need) and runs it.
static int network(const char *path, uint64_t seed) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); return 1; }
  if (fseek(f, 0, SEEK_END) != 0) { perror(path); fclose(f); return 1; }
  long size = ftell(f);
  rewind(f);
  void *bytes = NULL;
  if (size <= 0 || posix_memalign(&bytes, 64, (size_t)size) != 0) {
    fprintf(stderr, "%s: cannot hold %ld bytes\n", path, size);
    fclose(f);
    return 1;
  }
  size_t got = fread(bytes, 1, (size_t)size, f);
  fclose(f);
  if (got != (size_t)size) { fprintf(stderr, "%s: short read\n", path); free(bytes); return 1; }
  int32_t failed = kernel_harness_network(bytes, (intptr_t)size, seed);
  free(bytes);
  return failed ? 1 : 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  if (argc >= 4 && strcmp(argv[1], "conformance") == 0)
    return kernel_harness_conformance(atoi(argv[2]), strtoull(argv[3], NULL, 0), argc >= 5 ? argv[4] : NULL) ? 1 : 0;
  if (argc >= 2 && strcmp(argv[1], "allocations") == 0)
    return kernel_harness_allocation_check() ? 1 : 0;
  if (argc >= 4 && strcmp(argv[1], "bench") == 0)
    return kernel_harness_bench(argv[2], atoi(argv[3])) ? 1 : 0;
  if (argc >= 4 && strcmp(argv[1], "network") == 0)
    return network(argv[2], strtoull(argv[3], NULL, 0));
  if (argc >= 6 && strcmp(argv[1], "crf") == 0)
    return kernel_harness_crf(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5])) ? 1 : 0;
  if (argc >= 2 && strcmp(argv[1], "bench-list") == 0) {
    kernel_harness_bench_list();
    return 0;
  }
  fprintf(stderr, "usage: %s conformance CASES SEED [FAMILY] | allocations | bench NAME REPEATS | bench-list | network FILE SEED | crf WIDTH HEIGHT LABELS ITERATIONS\n", argv[0]);
  return 2;
}
