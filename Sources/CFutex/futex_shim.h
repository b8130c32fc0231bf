#ifndef SEGD_FUTEX_SHIM_H
#define SEGD_FUTEX_SHIM_H
/* Cross-process futex wait/wake on a 32-bit word of a MAP_SHARED mapping (not FUTEX_PRIVATE:
 * the waiters are other processes). Swift cannot call the variadic syscall(2). Both return what
 * syscall returns: 0 or a count on success, -1 with errno set on failure. */
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Sleeps while *word == expected, at most *timeout (relative; NULL: no limit). */
static inline long segd_futex_wait(const uint32_t *word, uint32_t expected, const struct timespec *timeout) {
    return syscall(SYS_futex, word, FUTEX_WAIT, expected, timeout, NULL, 0);
}

/* Wakes up to `count` waiters on word. */
static inline long segd_futex_wake(const uint32_t *word, int count) {
    return syscall(SYS_futex, word, FUTEX_WAKE, count, NULL, NULL, 0);
}

#endif
