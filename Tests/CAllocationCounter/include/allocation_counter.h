#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H

#include <stdint.h>

/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made by the
/// calling thread since it started. The test process's allocator entry points are replaced by
/// counting wrappers around glibc's (__libc_malloc and friends).
uint64_t allocation_counter_thread_allocations(void);

#endif
