/* example: prints one line per new mask of a segd ring (frame number and class shares).
 *   example PATH [--frames N] [--duration SECONDS] [--verify] [--quiet] [--exit-on-close]
 * --verify recomputes every mask's checksum and counts mismatches (exit status 1 when any);
 * --quiet prints only the summary; --exit-on-close stops when the writer closes the ring. Follows a restarted writer to its new file. */
#include "segd_ring.h"

#include <stdlib.h>

static uint8_t mask[16u << 20];

int main(int argc, char **argv) {
    const char *path = NULL;
    long frames_wanted = -1;
    double duration = -1;
    int verify = 0, quiet = 0, exit_on_close = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--frames") && i + 1 < argc) frames_wanted = atol(argv[++i]);
        else if (!strcmp(argv[i], "--duration") && i + 1 < argc) duration = atof(argv[++i]);
        else if (!strcmp(argv[i], "--verify")) verify = 1;
        else if (!strcmp(argv[i], "--quiet")) quiet = 1;
        else if (!strcmp(argv[i], "--exit-on-close")) exit_on_close = 1;
        else if (!path && argv[i][0] != '-') path = argv[i];
        else { fprintf(stderr, "usage: %s PATH [--frames N] [--duration S] [--verify] [--quiet] [--exit-on-close]\n", argv[0]); return 2; }
    }
    if (!path || (frames_wanted < 0 && duration < 0)) { fprintf(stderr, "give PATH and --frames N or --duration S\n"); return 2; }

    uint64_t start = segd_ring_monotonic_ns();
    uint64_t end = duration >= 0 ? start + (uint64_t)(duration * 1e9) : UINT64_MAX;
    segd_ring ring;
    char error[512];
    while (segd_ring_open(&ring, path, error, sizeof error) != 0) {
        if (segd_ring_monotonic_ns() - start > 10000000000ull) { fprintf(stderr, "%s\n", error); return 1; }
        nanosleep(&(struct timespec){0, 20000000}, NULL);
    }
    unsigned long accepted = 0, mismatches = 0, retries = 0, restarts = 0;
    uint64_t last_generation = 0, last_frame = 0;
    int have_last = 0;
    while ((frames_wanted < 0 || (long)accepted < frames_wanted) && segd_ring_monotonic_ns() < end) {
        uint32_t seen = segd_ring_publish_seq(&ring);
        segd_ring_frame frame;
        int got = segd_ring_read_latest(&ring, mask, sizeof mask, &frame, &retries);
        if (got < 0) { fprintf(stderr, "%s: mask larger than %zu bytes\n", path, sizeof mask); return 1; }
        if (got == 1 && (!have_last || frame.generation != last_generation || frame.frame_number > last_frame)) {
            have_last = 1;
            last_generation = frame.generation;
            last_frame = frame.frame_number;
            accepted++;
            if (verify && segd_ring_checksum(mask, frame.mask_bytes) != frame.checksum) mismatches++;
            if (!quiet) {
                unsigned long counts[256] = {0};
                for (uint32_t k = 0; k < frame.mask_bytes; k++) counts[mask[k]]++;
                printf("frame %llu gen %llu:", (unsigned long long)frame.frame_number, (unsigned long long)frame.generation);
                for (uint32_t c = 0; c < frame.class_count && c < 256; c++) {
                    printf(" %s %.1f%%", ring.header->class_names[c], frame.mask_bytes ? 100.0 * counts[c] / frame.mask_bytes : 0.0);
                }
                printf("\n");
            }
            continue;
        }
        uint64_t old_generation = ring.generation;
        segd_ring_wait(&ring, seen, 50);
        if (segd_ring_publish_seq(&ring) == seen || segd_ring_liveness(&ring, 3000000000ull) != SEGD_LIVENESS_ALIVE) {
            int reopened = segd_ring_reopen_if_replaced(&ring, error, sizeof error);
            if (reopened < 0) { fprintf(stderr, "%s\n", error); return 1; }
            if (reopened && ring.generation != old_generation) restarts++;
            if (!reopened && exit_on_close && segd_ring_liveness(&ring, UINT64_MAX) == SEGD_LIVENESS_CLOSED) break;
        }
    }
    printf("c reader: %lu frames, %lu checksum mismatches%s, %lu torn retries, %lu writer restarts seen\n",
           accepted, mismatches, verify ? "" : " (unverified)", retries, restarts);
    segd_ring_close(&ring);
    return mismatches ? 1 : 0;
}
