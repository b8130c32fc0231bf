/* LD_PRELOAD library counting heap allocations (malloc, calloc, realloc, aligned variants) of a
 * whole process, printed to stderr as `malloc_count: N` on SIGUSR2 and at exit. bench/daemon.sh
 * signals segd twice, frames apart, with nothing but frames flowing in between: the difference per
 * frame is what the frame path allocates in steady state.
 * Build: gcc -O2 -shared -fPIC -o malloc_count.so malloc_count.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_ulong allocations;

#define FORWARD(ret, name, params, args)                                   \
    ret name params {                                                      \
        static ret (*next) params;                                         \
        if (!next) next = (ret (*) params)dlsym(RTLD_NEXT, #name);         \
        atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);  \
        return next args;                                                  \
    }

FORWARD(void *, malloc, (size_t size), (size))
FORWARD(void *, realloc, (void *pointer, size_t size), (pointer, size))
FORWARD(int, posix_memalign, (void **pointer, size_t alignment, size_t size), (pointer, alignment, size))
FORWARD(void *, aligned_alloc, (size_t alignment, size_t size), (alignment, size))

/* dlsym itself may call calloc: serve that first call from a static buffer. */
static char bootstrap[4096];
void *calloc(size_t count, size_t size) {
    static void *(*next)(size_t, size_t);
    static int resolving;
    if (!next) {
        if (resolving) return bootstrap;
        resolving = 1;
        next = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    }
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return next(count, size);
}

void free(void *pointer) {
    static void (*next)(void *);
    if (pointer == bootstrap) return;
    if (!next) next = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    next(pointer);
}

/* Formats by hand: it runs in a signal handler, where snprintf is not async-signal-safe. */
static void report(void) {
    char line[40] = "malloc_count: ";
    char digits[24];
    unsigned long count = atomic_load(&allocations);
    size_t used = 0, length = 14;
    do {
        digits[used++] = (char)('0' + count % 10);
        count /= 10;
    } while (count != 0);
    while (used != 0) line[length++] = digits[--used];
    line[length++] = '\n';
    if (write(STDERR_FILENO, line, length) < 0) return;
}

static void on_signal(int signal) {
    (void)signal;
    report();
}

__attribute__((constructor)) static void install(void) {
    struct sigaction action = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR2, &action, NULL);
}

__attribute__((destructor)) static void report_at_exit(void) { report(); }
