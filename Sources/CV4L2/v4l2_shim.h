#ifndef SEGD_V4L2_SHIM_H
#define SEGD_V4L2_SHIM_H
/* What Swift cannot call in libv4l2 and <linux/videodev2.h> directly: the variadic v4l2_open and
 * v4l2_ioctl, and the VIDIOC_* request codes (function-like _IOWR macros). Everything else
 * (structs, V4L2_* constants, v4l2_mmap/v4l2_munmap/v4l2_close) Swift imports as it is. */
#include <fcntl.h>
#include <libv4l2.h>
#include <linux/videodev2.h>

static inline int segd_v4l2_open(const char *path, int flags) { return v4l2_open(path, flags); }
static inline int segd_v4l2_ioctl(int fd, unsigned long request, void *argument) {
    return v4l2_ioctl(fd, request, argument);
}

static const unsigned long SEGD_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
static const unsigned long SEGD_VIDIOC_ENUM_FMT = VIDIOC_ENUM_FMT;
static const unsigned long SEGD_VIDIOC_ENUM_FRAMESIZES = VIDIOC_ENUM_FRAMESIZES;
static const unsigned long SEGD_VIDIOC_ENUM_FRAMEINTERVALS = VIDIOC_ENUM_FRAMEINTERVALS;
static const unsigned long SEGD_VIDIOC_G_FMT = VIDIOC_G_FMT;
static const unsigned long SEGD_VIDIOC_S_FMT = VIDIOC_S_FMT;
static const unsigned long SEGD_VIDIOC_G_PARM = VIDIOC_G_PARM;
static const unsigned long SEGD_VIDIOC_S_PARM = VIDIOC_S_PARM;
static const unsigned long SEGD_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
static const unsigned long SEGD_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
static const unsigned long SEGD_VIDIOC_QBUF = VIDIOC_QBUF;
static const unsigned long SEGD_VIDIOC_DQBUF = VIDIOC_DQBUF;
static const unsigned long SEGD_VIDIOC_STREAMON = VIDIOC_STREAMON;
static const unsigned long SEGD_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;

/* Pixel formats (v4l2_fourcc is a function-like macro). */
static const unsigned int SEGD_PIX_FMT_YUYV = V4L2_PIX_FMT_YUYV;
static const unsigned int SEGD_PIX_FMT_NV12 = V4L2_PIX_FMT_NV12;
static const unsigned int SEGD_PIX_FMT_RGB24 = V4L2_PIX_FMT_RGB24;
static const unsigned int SEGD_PIX_FMT_BGR24 = V4L2_PIX_FMT_BGR24;
static const unsigned int SEGD_PIX_FMT_MJPEG = V4L2_PIX_FMT_MJPEG;
static const unsigned int SEGD_PIX_FMT_JPEG = V4L2_PIX_FMT_JPEG;

#endif
