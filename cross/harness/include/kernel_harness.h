#ifndef KERNEL_HARNESS_H
#define KERNEL_HARNESS_H

#include <stdint.h>

/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc) made so far by this
/// process; counted by linker wrappers in main.c.
uint64_t kernel_harness_allocations(void);

/// Marks a point for the instruction-counting qemu plugin (bench/qemu-marker-plugin.c): the plugin
/// records the guest instruction count each time this function runs. `id` is for humans reading
/// a disassembly; the plugin numbers marks in order.
void kernel_harness_mark(int32_t id);

#endif
