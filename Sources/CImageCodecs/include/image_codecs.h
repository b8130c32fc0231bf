#ifndef SEGD_IMAGE_CODECS_H
#define SEGD_IMAGE_CODECS_H
#include <stddef.h>
#include <stdint.h>

/* Still-image decoding and PNG encoding for segd's tools (libjpeg-turbo's TurboJPEG API and
 * libpng's simplified API, both of which report errors instead of longjmp-ing out).
 * Decoders return 0 and a malloc'ed RGB24 buffer (*pixels, freed by the caller with free()),
 * or -1 with a message in err. */

int segd_decode_jpeg(const uint8_t *data, size_t size, int *width, int *height, uint8_t **pixels,
                     char *err, size_t err_size);
int segd_decode_png(const uint8_t *data, size_t size, int *width, int *height, uint8_t **pixels,
                    char *err, size_t err_size);
/* Encodes width x height pixels of `channels` (1: gray, 3: RGB) bytes each, rows packed, into a
 * malloc'ed PNG (*png, *png_size). */
int segd_encode_png(const uint8_t *pixels, int width, int height, int channels, uint8_t **png,
                    size_t *png_size, char *err, size_t err_size);

#endif
