#ifndef SEGD_JPEG_DECODER_H
#define SEGD_JPEG_DECODER_H

#include <stddef.h>

/* A libjpeg decompressor that decodes one JPEG after another into RGB24 without touching the heap
 * once it has seen a frame of the stream: the per-image working memory (every JPOOL_IMAGE
 * allocation of libjpeg's modules) comes from an arena that is reset after each image and grown
 * only when an image needs more than the previous ones did. libjpeg's errors and warnings end the
 * decode with a status instead of a longjmp through the caller. One thread at a time. */
typedef struct segd_jpeg_decoder segd_jpeg_decoder;

/* What segd_jpeg_decode_rgb found. */
typedef enum {
    SEGD_JPEG_DECODED = 0,
    SEGD_JPEG_UNREADABLE_HEADER = 1, /* no valid SOI/SOF/SOS sequence */
    SEGD_JPEG_WRONG_SIZE = 2,        /* a readable image, but not of the expected size */
    SEGD_JPEG_UNDECODABLE = 3,       /* corrupt data: an error or warning while decoding */
} segd_jpeg_status;

/* A decoder, or NULL when libjpeg cannot start (out of memory). */
segd_jpeg_decoder *segd_jpeg_decoder_create(void);
void segd_jpeg_decoder_destroy(segd_jpeg_decoder *decoder);

/* Decodes the JPEG in jpeg[0..<length] (length > 0) at 1/scale_denominator of its size (1, 2, 4
 * or 8: inside the inverse DCT) into `pixels`, output_height rows of row_bytes bytes each holding
 * output_width R, G, B triples. The image must be width x height; its scaled size must be
 * output_width x output_height. Stops at libjpeg's first warning (a warning means part of the
 * image is garbage) and after 500 progressive scans. *found_width and *found_height receive the
 * image's size when the header was read. On any status but SEGD_JPEG_DECODED, `pixels` may hold
 * part of an image. */
segd_jpeg_status segd_jpeg_decode_rgb(segd_jpeg_decoder *decoder, const unsigned char *jpeg, size_t length,
                                      int scale_denominator, int width, int height, unsigned char *pixels,
                                      size_t row_bytes, int output_width, int output_height, int *found_width,
                                      int *found_height);

/* libjpeg's message about the last failed decode ("" when there is none). Owned by the decoder,
 * valid until its next decode. */
const char *segd_jpeg_decoder_message(const segd_jpeg_decoder *decoder);

/* Bytes in the per-image arena, and how many times it grew (each growth is one malloc). */
size_t segd_jpeg_decoder_arena_bytes(const segd_jpeg_decoder *decoder);
size_t segd_jpeg_decoder_arena_growths(const segd_jpeg_decoder *decoder);

#endif
