/*
 * jpeg_feeder: plays JPEG frames into a v4l2loopback output device as an MJPEG camera would deliver
 * them, with corrupt frames on purpose, for the system test (Tests/System/capture/guest.sh).
 *
 *   jpeg_feeder -d /dev/video10 -s 768x576 [-r FPS] [-t SECONDS] [-T K] [-G K] [-P K] [-z BYTES] FILE...
 *
 * Every FILE is a JPEG or an MJPEG sequence (concatenated JPEGs); all are split at SOI..EOI by
 * walking the marker segments (so an EXIF thumbnail does not end a frame) and every frame must be
 * SIZE. The frames are written in a loop, one write() per frame (v4l2loopback makes each write one
 * buffer, bytesused = the length written), at FPS (default 10) for SECONDS (default 30) or until
 * SIGTERM/SIGINT. Frame i (counted from 1) is
 *   -G K: every Kth frame, garbage: random bytes, no SOI                      (a reader must drop it)
 *   -T K: every Kth frame, truncated: the first 2/3 of a JPEG, no EOI         (a reader must drop it)
 *   -P K: every Kth frame, padded: a whole JPEG then -z BYTES zeros (4096)    (a reader must keep it)
 * in that order of precedence, otherwise the JPEG as it is. At the end it prints on stdout one JSON
 * object with how many frames of each kind it wrote.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

struct frame {
    const uint8_t *data;
    size_t size;
};

static struct frame *frames;
static size_t frame_count, frame_capacity;
static volatile sig_atomic_t stop;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static void die(const char *fmt, const char *arg) {
    fprintf(stderr, "jpeg_feeder: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(1);
}

/* Length of the JPEG that starts at p (at its SOI), up to and including EOI; 0 when it has no EOI.
 * Marker segments carry their length; only the entropy-coded data after SOS is scanned, where
 * 0xFF 0x00 is a stuffed byte and 0xFF 0xD0..0xD7 a restart marker. Sets *w, *h from the SOF. */
static size_t jpeg_length(const uint8_t *p, size_t n, unsigned *w, unsigned *h) {
    size_t i = 2;
    while (i + 2 <= n) {
        if (p[i] != 0xFF) return 0;
        uint8_t marker = p[i + 1];
        if (marker == 0xFF) { i++; continue; } /* fill byte */
        if (marker == 0xD9) return i + 2;
        if (i + 4 > n) return 0;
        size_t len = (size_t)p[i + 2] << 8 | p[i + 3];
        if (i + 2 + len > n) return 0;
        if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC && len >= 7) {
            *h = (unsigned)p[i + 5] << 8 | p[i + 6];
            *w = (unsigned)p[i + 7] << 8 | p[i + 8];
        }
        i += 2 + len;
        if (marker == 0xDA) { /* SOS: skip the entropy-coded data up to the next real marker */
            while (i + 1 < n && !(p[i] == 0xFF && p[i + 1] != 0x00 && (p[i + 1] < 0xD0 || p[i + 1] > 0xD7))) i++;
        }
    }
    return 0;
}

static void load(const char *path, unsigned want_w, unsigned want_h) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) die("cannot read %s", path);
    fclose(f);
    size_t at = 0;
    while (at + 2 <= (size_t)n) {
        if (buf[at] != 0xFF || buf[at + 1] != 0xD8) die("%s: no SOI where a frame should start", path);
        unsigned w = 0, h = 0;
        size_t len = jpeg_length(buf + at, (size_t)n - at, &w, &h);
        if (len == 0) die("%s: a frame without EOI", path);
        if (w != want_w || h != want_h) die("%s: a frame is not the size given with -s", path);
        if (frame_count == frame_capacity) {
            frame_capacity = frame_capacity ? 2 * frame_capacity : 64;
            frames = realloc(frames, frame_capacity * sizeof *frames);
            if (!frames) die("%s", "out of memory");
        }
        frames[frame_count++] = (struct frame){buf + at, len};
        at += len;
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    const char *device = NULL;
    unsigned width = 0, height = 0;
    double fps = 10, seconds = 30;
    long truncate_every = 0, garbage_every = 0, pad_every = 0, pad_bytes = 4096;
    int opt;
    while ((opt = getopt(argc, argv, "d:s:r:t:T:G:P:z:")) != -1) {
        switch (opt) {
        case 'd': device = optarg; break;
        case 's': if (sscanf(optarg, "%ux%u", &width, &height) != 2) die("bad size %s", optarg); break;
        case 'r': fps = atof(optarg); break;
        case 't': seconds = atof(optarg); break;
        case 'T': truncate_every = atol(optarg); break;
        case 'G': garbage_every = atol(optarg); break;
        case 'P': pad_every = atol(optarg); break;
        case 'z': pad_bytes = atol(optarg); break;
        default: return 2;
        }
    }
    if (!device || !width || optind == argc || fps <= 0 || pad_bytes < 0) {
        fprintf(stderr, "usage: jpeg_feeder -d DEVICE -s WxH [-r FPS] [-t SECONDS] [-T K] [-G K] [-P K] [-z BYTES] FILE...\n");
        return 2;
    }
    for (int i = optind; i < argc; i++) load(argv[i], width, height);

    size_t largest = 0;
    for (size_t i = 0; i < frame_count; i++)
        if (frames[i].size > largest) largest = frames[i].size;
    uint8_t *out = malloc(largest + (size_t)pad_bytes);
    if (!out) die("%s", "out of memory");

    int fd = open(device, O_RDWR);
    if (fd < 0) die("cannot open %s", device);
    struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_OUTPUT};
    fmt.fmt.pix.width = width;
    fmt.fmt.pix.height = height;
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_MJPEG;
    fmt.fmt.pix.field = V4L2_FIELD_NONE;
    fmt.fmt.pix.sizeimage = (uint32_t)(largest + (size_t)pad_bytes);
    if (ioctl(fd, VIDIOC_S_FMT, &fmt) < 0) die("VIDIOC_S_FMT: %s", strerror(errno));
    if (fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_MJPEG || fmt.fmt.pix.width != width || fmt.fmt.pix.height != height)
        die("%s does not take MJPEG at the size given", device);
    if (fmt.fmt.pix.sizeimage < largest + (size_t)pad_bytes) die("%s: its buffers are too small", device);

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    long written = 0, good = 0, padded = 0, truncated = 0, garbage = 0;
    uint32_t random_state = 2463534242u;
    double start = now();
    while (!stop && now() - start < seconds) {
        const struct frame *f = &frames[written % (long)frame_count];
        long i = written + 1;
        size_t len;
        if (garbage_every && i % garbage_every == 0) {
            for (len = 0; len < f->size; len++) { /* xorshift32: never 0xFF 0xD8 at the start */
                random_state ^= random_state << 13, random_state ^= random_state >> 17, random_state ^= random_state << 5;
                out[len] = (uint8_t)random_state;
            }
            out[0] = 0x00;
            garbage++;
        } else if (truncate_every && i % truncate_every == 0) {
            len = f->size * 2 / 3;
            memcpy(out, f->data, len);
            truncated++;
        } else if (pad_every && i % pad_every == 0) {
            memcpy(out, f->data, f->size);
            memset(out + f->size, 0, (size_t)pad_bytes);
            len = f->size + (size_t)pad_bytes;
            padded++;
        } else {
            memcpy(out, f->data, f->size);
            len = f->size;
            good++;
        }
        if (write(fd, out, len) != (ssize_t)len) {
            if (errno == EINTR) break;
            die("write: %s", strerror(errno));
        }
        written++;
        double due = start + (double)written / fps;
        struct timespec t = {.tv_sec = (time_t)due, .tv_nsec = (long)((due - (double)(time_t)due) * 1e9)};
        while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {}
    }
    printf("{\"frames\":%ld,\"good\":%ld,\"padded\":%ld,\"truncated\":%ld,\"garbage\":%ld,\"seconds\":%.2f}\n",
           written, good, padded, truncated, garbage, now() - start);
    close(fd);
    return 0;
}
