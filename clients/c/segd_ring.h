/* segd_ring.h: a header-only C11 reader of segd's shared-memory mask ring, written from
 * docs/shm-ring.md (layout version 1). Linux only (mmap, futex). No allocation.
 *
 *   segd_ring ring;
 *   char error[256];
 *   if (segd_ring_open(&ring, "/run/segd/masks.ring", error, sizeof error) != 0) { puts(error); ... }
 *   uint32_t seen = segd_ring_publish_seq(&ring);
 *   segd_ring_frame frame;
 *   int got = segd_ring_read_latest(&ring, buffer, sizeof buffer, &frame, &retries);
 *   ... segd_ring_wait(&ring, seen, 50); segd_ring_reopen_if_replaced(&ring, error, sizeof error);
 *   segd_ring_close(&ring);
 *
 * A segd_ring is used by one thread at a time. */
#ifndef SEGD_RING_H
#define SEGD_RING_H

/* POSIX and Linux calls (syscall, kill, clock_gettime) under -std=c11 too; effective when this
 * header is included before any system header. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "segd_ring.h reads the little-endian ring directly; add byte swaps for big-endian hosts"
#endif

#define SEGD_RING_MAGIC 0x474E495244474553ull /* "SEGDRING" */
#define SEGD_RING_VERSION 1u
#define SEGD_RING_HEADER_SIZE 8384u
#define SEGD_RING_SLOT_MASK_OFFSET 64u
#define SEGD_RING_NO_SLOT 0xFFFFFFFFu
#define SEGD_RING_MAX_CLASSES 256u
#define SEGD_RING_MAX_ATTEMPTS 1000

enum segd_ring_writer_state { SEGD_WRITER_STARTING = 0, SEGD_WRITER_RUNNING = 1, SEGD_WRITER_CLOSED = 2 };
enum segd_ring_liveness { SEGD_LIVENESS_ALIVE = 0, SEGD_LIVENESS_CLOSED = 1, SEGD_LIVENESS_DEAD = 2, SEGD_LIVENESS_STALE = 3 };

typedef struct segd_ring_header {
    uint64_t magic;
    uint32_t version;
    uint32_t header_size;
    uint32_t slot_count;
    uint32_t slot_stride;
    uint32_t mask_capacity;
    uint32_t class_count;
    uint64_t generation;
    int32_t writer_pid;
    uint32_t mask_width;
    uint32_t mask_height;
    uint8_t reserved0[12];
    _Atomic uint64_t heartbeat_ns;
    _Atomic uint32_t writer_state;
    _Atomic uint32_t publish_seq; /* futex word */
    _Atomic uint64_t latest_frame;
    _Atomic uint32_t latest_slot;
    uint8_t reserved1[36];
    char model_id[64];
    char class_names[SEGD_RING_MAX_CLASSES][32];
} segd_ring_header;

typedef struct segd_ring_slot {
    _Atomic uint64_t seq; /* odd while the writer fills the slot */
    _Atomic uint64_t frame_number;
    _Atomic uint64_t capture_ns;
    _Atomic uint64_t publish_ns;
    _Atomic uint64_t inference_ns;
    _Atomic uint32_t width;
    _Atomic uint32_t height;
    _Atomic uint32_t class_count;
    _Atomic uint32_t mask_bytes;
    _Atomic uint64_t checksum;
    /* the mask follows at offset 64 */
} segd_ring_slot;

_Static_assert(sizeof(_Atomic uint64_t) == 8 && sizeof(_Atomic uint32_t) == 4, "lock-free atomics have their value's size");
_Static_assert(offsetof(segd_ring_header, magic) == 0, "doc");
_Static_assert(offsetof(segd_ring_header, version) == 8, "doc");
_Static_assert(offsetof(segd_ring_header, header_size) == 12, "doc");
_Static_assert(offsetof(segd_ring_header, slot_count) == 16, "doc");
_Static_assert(offsetof(segd_ring_header, slot_stride) == 20, "doc");
_Static_assert(offsetof(segd_ring_header, mask_capacity) == 24, "doc");
_Static_assert(offsetof(segd_ring_header, class_count) == 28, "doc");
_Static_assert(offsetof(segd_ring_header, generation) == 32, "doc");
_Static_assert(offsetof(segd_ring_header, writer_pid) == 40, "doc");
_Static_assert(offsetof(segd_ring_header, mask_width) == 44, "doc");
_Static_assert(offsetof(segd_ring_header, mask_height) == 48, "doc");
_Static_assert(offsetof(segd_ring_header, heartbeat_ns) == 64, "doc");
_Static_assert(offsetof(segd_ring_header, writer_state) == 72, "doc");
_Static_assert(offsetof(segd_ring_header, publish_seq) == 76, "doc");
_Static_assert(offsetof(segd_ring_header, latest_frame) == 80, "doc");
_Static_assert(offsetof(segd_ring_header, latest_slot) == 88, "doc");
_Static_assert(offsetof(segd_ring_header, model_id) == 128, "doc");
_Static_assert(offsetof(segd_ring_header, class_names) == 192, "doc");
_Static_assert(sizeof(segd_ring_header) == SEGD_RING_HEADER_SIZE, "doc");
_Static_assert(offsetof(segd_ring_slot, frame_number) == 8, "doc");
_Static_assert(offsetof(segd_ring_slot, capture_ns) == 16, "doc");
_Static_assert(offsetof(segd_ring_slot, publish_ns) == 24, "doc");
_Static_assert(offsetof(segd_ring_slot, inference_ns) == 32, "doc");
_Static_assert(offsetof(segd_ring_slot, width) == 40, "doc");
_Static_assert(offsetof(segd_ring_slot, height) == 44, "doc");
_Static_assert(offsetof(segd_ring_slot, class_count) == 48, "doc");
_Static_assert(offsetof(segd_ring_slot, mask_bytes) == 52, "doc");
_Static_assert(offsetof(segd_ring_slot, checksum) == 56, "doc");
_Static_assert(sizeof(segd_ring_slot) == SEGD_RING_SLOT_MASK_OFFSET, "doc");

/* An attached ring: the read-only mapping of one file and where it came from. */
typedef struct segd_ring {
    char path[PATH_MAX];
    const uint8_t *base;
    size_t size;
    const segd_ring_header *header;
    dev_t device;
    ino_t inode;
    uint64_t generation;
} segd_ring;

/* One mask copied out consistently. */
typedef struct segd_ring_frame {
    uint64_t frame_number, capture_ns, publish_ns, inference_ns, checksum, generation;
    uint32_t width, height, class_count, mask_bytes, slot;
} segd_ring_frame;

/* The ring checksum of docs/shm-ring.md ("Checksum"). */
static inline uint64_t segd_ring_checksum_round(uint64_t acc, uint64_t word) {
    uint64_t product = (acc ^ word) * 0x9E3779B97F4A7C15ull;
    return (product << 31) | (product >> 33);
}

static inline uint64_t segd_ring_checksum(const uint8_t *bytes, size_t count) {
    const uint64_t p2 = 0xC2B2AE3D27D4EB4Full;
    uint64_t lane[4] = {p2, p2 * 2, p2 * 3, p2 * 4};
    size_t offset = 0;
    for (; offset + 32 <= count; offset += 32) {
        for (int k = 0; k < 4; k++) {
            uint64_t word;
            memcpy(&word, bytes + offset + 8 * k, 8);
            lane[k] = segd_ring_checksum_round(lane[k], word);
        }
    }
    if (offset < count) {
        uint8_t tail[32] = {0};
        memcpy(tail, bytes + offset, count - offset);
        for (int k = 0; k < 4; k++) {
            uint64_t word;
            memcpy(&word, tail + 8 * k, 8);
            lane[k] = segd_ring_checksum_round(lane[k], word);
        }
    }
    uint64_t h = (uint64_t)count;
    for (int k = 0; k < 4; k++) h = segd_ring_checksum_round(h, lane[k]);
    h ^= h >> 33;
    h *= p2;
    h ^= h >> 29;
    return h;
}

static inline uint64_t segd_ring_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

/* Opens, maps (PROT_READ, MAP_SHARED) and validates the ring at `path`. 0 on success; -1 with a
 * message in `error` (and errno set for system errors) otherwise. */
static inline int segd_ring_open(segd_ring *ring, const char *path, char *error, size_t error_size) {
    memset(ring, 0, sizeof *ring);
    if (strlen(path) >= sizeof ring->path) { snprintf(error, error_size, "%.256s: path too long", path); return -1; }
    strcpy(ring->path, path);
    int fd;
    do { fd = open(path, O_RDONLY | O_CLOEXEC); } while (fd < 0 && errno == EINTR);
    if (fd < 0) { snprintf(error, error_size, "%.256s: open: %s", path, strerror(errno)); return -1; }
    struct stat status;
    if (fstat(fd, &status) != 0) { snprintf(error, error_size, "%.256s: fstat: %s", path, strerror(errno)); close(fd); return -1; }
    size_t size = (size_t)status.st_size;
    if (size < 64) { snprintf(error, error_size, "%.256s: %zu bytes, too short for a mask ring", path, size); close(fd); return -1; }
    void *base = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    int map_errno = errno;
    close(fd);
    if (base == MAP_FAILED) { snprintf(error, error_size, "%.256s: mmap: %s", path, strerror(map_errno)); errno = map_errno; return -1; }
    const segd_ring_header *h = (const segd_ring_header *)base;
    const char *problem = NULL;
    char detail[128];
    if (h->magic != SEGD_RING_MAGIC) problem = "not a segd mask ring (bad magic)";
    else if (h->version != SEGD_RING_VERSION) { snprintf(detail, sizeof detail, "layout version %u, this reader reads %u", h->version, SEGD_RING_VERSION); problem = detail; }
    else if (size < SEGD_RING_HEADER_SIZE || h->header_size < SEGD_RING_HEADER_SIZE || h->header_size % 64) problem = "bad header size";
    else if (h->slot_count < 1) problem = "no slots";
    else if (h->mask_capacity % 64 || (uint64_t)h->mask_capacity < (uint64_t)h->mask_width * h->mask_height) problem = "bad mask capacity";
    else if (h->slot_stride % 64 || h->slot_stride < SEGD_RING_SLOT_MASK_OFFSET + h->mask_capacity) problem = "bad slot stride";
    else if (h->class_count > SEGD_RING_MAX_CLASSES) problem = "too many classes";
    else if ((uint64_t)size < (uint64_t)h->header_size + (uint64_t)h->slot_count * h->slot_stride) problem = "file shorter than its header says";
    if (problem) {
        snprintf(error, error_size, "%.256s: %s", path, problem);
        munmap(base, size);
        errno = EINVAL;
        return -1;
    }
    ring->base = (const uint8_t *)base;
    ring->size = size;
    ring->header = h;
    ring->device = status.st_dev;
    ring->inode = status.st_ino;
    ring->generation = h->generation;
    return 0;
}

static inline void segd_ring_close(segd_ring *ring) {
    if (ring->base) munmap((void *)ring->base, ring->size);
    ring->base = NULL;
    ring->header = NULL;
}

static inline const segd_ring_slot *segd_ring_slot_at(const segd_ring *ring, uint32_t index) {
    return (const segd_ring_slot *)(ring->base + ring->header->header_size + (size_t)index * ring->header->slot_stride);
}

/* The futex word: load it before reading, pass it to segd_ring_wait. */
static inline uint32_t segd_ring_publish_seq(const segd_ring *ring) {
    return atomic_load_explicit((_Atomic uint32_t *)&ring->header->publish_seq, memory_order_acquire);
}

/* Copies the newest mask into `buffer` with the seqlock protocol (Boehm's orderings).
 * 1: `frame` and `buffer` hold one consistent publish; 0: nothing published yet (or the slot stayed
 * busy for all attempts); -1: the mask does not fit `capacity` (errno = ENOBUFS).
 * `retries` (may be NULL) is increased by the number of torn attempts thrown away. */
static inline int segd_ring_read_latest(const segd_ring *ring, uint8_t *buffer, size_t capacity, segd_ring_frame *frame, unsigned long *retries) {
    _Atomic uint32_t *latest_slot = (_Atomic uint32_t *)&ring->header->latest_slot;
    for (int attempt = 0; attempt < SEGD_RING_MAX_ATTEMPTS; attempt++) {
        uint32_t index = atomic_load_explicit(latest_slot, memory_order_acquire);
        if (index == SEGD_RING_NO_SLOT || index >= ring->header->slot_count) return 0;
        segd_ring_slot *slot = (segd_ring_slot *)segd_ring_slot_at(ring, index);
        uint64_t s1 = atomic_load_explicit(&slot->seq, memory_order_acquire);
        if (!(s1 & 1)) {
            segd_ring_frame f;
            f.frame_number = atomic_load_explicit(&slot->frame_number, memory_order_relaxed);
            f.capture_ns = atomic_load_explicit(&slot->capture_ns, memory_order_relaxed);
            f.publish_ns = atomic_load_explicit(&slot->publish_ns, memory_order_relaxed);
            f.inference_ns = atomic_load_explicit(&slot->inference_ns, memory_order_relaxed);
            f.width = atomic_load_explicit(&slot->width, memory_order_relaxed);
            f.height = atomic_load_explicit(&slot->height, memory_order_relaxed);
            f.class_count = atomic_load_explicit(&slot->class_count, memory_order_relaxed);
            f.mask_bytes = atomic_load_explicit(&slot->mask_bytes, memory_order_relaxed);
            f.checksum = atomic_load_explicit(&slot->checksum, memory_order_relaxed);
            f.generation = ring->generation;
            f.slot = index;
            /* A torn read may show any size: copy only what fits the slot and the buffer. */
            int fits = f.mask_bytes <= ring->header->mask_capacity && f.mask_bytes <= capacity;
            if (fits) {
                _Atomic uint64_t *words = (_Atomic uint64_t *)((uint8_t *)slot + SEGD_RING_SLOT_MASK_OFFSET);
                size_t whole = f.mask_bytes / 8, tail = f.mask_bytes % 8;
                for (size_t k = 0; k < whole; k++) {
                    uint64_t word = atomic_load_explicit(&words[k], memory_order_relaxed);
                    memcpy(buffer + 8 * k, &word, 8);
                }
                if (tail) {
                    uint64_t word = atomic_load_explicit(&words[whole], memory_order_relaxed);
                    memcpy(buffer + 8 * whole, &word, tail);
                }
            }
            atomic_thread_fence(memory_order_acquire);
            uint64_t s2 = atomic_load_explicit(&slot->seq, memory_order_relaxed);
            if (s1 == s2 && f.mask_bytes <= ring->header->mask_capacity) {
                if (!fits) { errno = ENOBUFS; return -1; }
                *frame = f;
                return 1;
            }
        }
        if (retries) (*retries)++;
    }
    return 0;
}

/* Sleeps until the futex word differs from `seen`, at most `timeout_ms`, or on a signal. */
static inline void segd_ring_wait(const segd_ring *ring, uint32_t seen, int timeout_ms) {
    struct timespec timeout = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
    /* Shared (not FUTEX_PRIVATE_FLAG): the writer is another process. */
    syscall(SYS_futex, &ring->header->publish_seq, FUTEX_WAIT, seen, &timeout, NULL, 0);
}

/* Whether the writer still owns the mapped file (stale: heartbeat older than `stale_ns`). */
static inline int segd_ring_liveness(const segd_ring *ring, uint64_t stale_ns) {
    if (atomic_load_explicit((_Atomic uint32_t *)&ring->header->writer_state, memory_order_acquire) == SEGD_WRITER_CLOSED) return SEGD_LIVENESS_CLOSED;
    if (ring->header->writer_pid > 0 && kill(ring->header->writer_pid, 0) != 0 && errno == ESRCH) return SEGD_LIVENESS_DEAD;
    uint64_t beat = atomic_load_explicit((_Atomic uint64_t *)&ring->header->heartbeat_ns, memory_order_acquire);
    uint64_t now = segd_ring_monotonic_ns();
    if (now > beat && now - beat > stale_ns) return SEGD_LIVENESS_STALE;
    return SEGD_LIVENESS_ALIVE;
}

/* Maps the file the path names now if a restarted writer replaced the mapped one.
 * 1: reopened (compare ring->generation with the old one); 0: same file or nothing at the path;
 * -1: the new file is not a valid ring (message in `error`; the old mapping is kept). */
static inline int segd_ring_reopen_if_replaced(segd_ring *ring, char *error, size_t error_size) {
    struct stat status;
    if (stat(ring->path, &status) != 0) return 0;
    if (status.st_dev == ring->device && status.st_ino == ring->inode) return 0;
    segd_ring fresh;
    if (segd_ring_open(&fresh, ring->path, error, error_size) != 0) return errno == ENOENT ? 0 : -1;
    segd_ring_close(ring);
    *ring = fresh;
    return 1;
}

#endif
