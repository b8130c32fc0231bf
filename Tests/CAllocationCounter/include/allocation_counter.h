#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H

#include <stdint.h>

/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made by the
/// calling thread since it started. The test process's allocator entry points are replaced by
/// counting wrappers around glibc's (__libc_malloc and friends).
uint64_t allocation_counter_thread_allocations(void);

/// Heap allocations made by every thread of the process so far (for code that runs on worker
/// threads; other tests running at the same time add to it).
uint64_t allocation_counter_process_allocations(void);

#endif
