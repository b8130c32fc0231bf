// Counting wrappers for glibc's allocator, linked into the test process so that a test can show that
// a kernel call allocates nothing. Symbols in the executable take precedence over libc's, so every
// allocation in the process (Swift runtime included) passes through here; counts are kept per
// thread (Swift Testing runs tests concurrently) and for the whole process (worker threads).
#include <errno.h>
#include <stddef.h>
#include "allocation_counter.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static _Thread_local uint64_t thread_allocations;
static uint64_t process_allocations;

static inline void record_allocation(void) {
  thread_allocations++;
  __atomic_fetch_add(&process_allocations, 1, __ATOMIC_RELAXED);
}

uint64_t allocation_counter_thread_allocations(void) { return thread_allocations; }

uint64_t allocation_counter_process_allocations(void) {
  return __atomic_load_n(&process_allocations, __ATOMIC_RELAXED);
}

void *malloc(size_t size) {
  record_allocation();
  return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  record_allocation();
  return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
  record_allocation();
  return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
  record_allocation();
  return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
  record_allocation();
  return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
  if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
  record_allocation();
  void *p = __libc_memalign(alignment, size);
  if (!p) return ENOMEM;
  *result = p;
  return 0;
}
