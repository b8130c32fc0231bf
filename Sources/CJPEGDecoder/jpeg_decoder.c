#include "jpeg_decoder.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

enum {
    /* libjpeg-turbo's SIMD code wants 32-byte aligned rows padded to 64 samples; a cache line
       for every object keeps that and costs a few hundred bytes per image. */
    ARENA_ALIGNMENT = 64,
    MAX_PROGRESSIVE_SCANS = 500,
};
/* libjpeg's own limit on one allocation (MAX_ALLOC_CHUNK). */
#define MAX_OBJECT_BYTES ((size_t)1000000000)

/* A block that one image's allocations spilled into when the arena was full. */
struct spill_block {
    struct spill_block *next;
};

struct segd_jpeg_decoder {
    struct jpeg_decompress_struct info;
    struct jpeg_error_mgr errors;
    struct jpeg_progress_mgr progress;
    jmp_buf failure;
    /* libjpeg's memory manager as jpeg_create_decompress made it: the permanent pool, and the
       virtual arrays of progressive images, stay with it. */
    struct jpeg_memory_mgr library_memory;
    unsigned char *arena;
    size_t arena_bytes, arena_used, arena_growths;
    struct spill_block *spilled;
    size_t spilled_bytes;
    char message[JMSG_LENGTH_MAX];
};

static struct segd_jpeg_decoder *decoder_of(j_common_ptr info) {
    return (struct segd_jpeg_decoder *)info->client_data;
}

static size_t rounded_to_alignment(j_common_ptr info, size_t bytes) {
    if (bytes > MAX_OBJECT_BYTES) ERREXIT1(info, JERR_OUT_OF_MEMORY, 1);
    return (bytes + ARENA_ALIGNMENT - 1) & ~(size_t)(ARENA_ALIGNMENT - 1);
}

static void *arena_take(j_common_ptr info, size_t bytes) {
    struct segd_jpeg_decoder *decoder = decoder_of(info);
    size_t size = rounded_to_alignment(info, bytes);
    if (decoder->arena_bytes - decoder->arena_used >= size) {
        void *object = decoder->arena + decoder->arena_used;
        decoder->arena_used += size;
        return object;
    }
    struct spill_block *block = aligned_alloc(ARENA_ALIGNMENT, ARENA_ALIGNMENT + size);
    if (block == NULL) ERREXIT1(info, JERR_OUT_OF_MEMORY, 2);
    block->next = decoder->spilled;
    decoder->spilled = block;
    decoder->spilled_bytes += size;
    return (unsigned char *)block + ARENA_ALIGNMENT;
}

/* After an image: forget its objects, and if it spilled, make the arena big enough for it. */
static void arena_reset(struct segd_jpeg_decoder *decoder) {
    decoder->arena_used = 0;
    if (decoder->spilled == NULL) return;
    while (decoder->spilled != NULL) {
        struct spill_block *next = decoder->spilled->next;
        free(decoder->spilled);
        decoder->spilled = next;
    }
    size_t needed = decoder->arena_bytes + decoder->spilled_bytes;
    decoder->spilled_bytes = 0;
    free(decoder->arena);
    /* An eighth more, so that an image a little larger than the ones seen does not spill. */
    decoder->arena_bytes = (needed + needed / 8 + 4095) & ~(size_t)4095;
    decoder->arena = aligned_alloc(ARENA_ALIGNMENT, decoder->arena_bytes);
    if (decoder->arena == NULL) decoder->arena_bytes = 0;
    decoder->arena_growths += 1;
}

static void *alloc_object(j_common_ptr info, int pool, size_t bytes) {
    if (pool != JPOOL_IMAGE) return decoder_of(info)->library_memory.alloc_small(info, pool, bytes);
    return arena_take(info, bytes);
}

static void *alloc_large_object(j_common_ptr info, int pool, size_t bytes) {
    if (pool != JPOOL_IMAGE) return decoder_of(info)->library_memory.alloc_large(info, pool, bytes);
    return arena_take(info, bytes);
}

/* `rows` pointers to rows of `row_bytes` each (padded to the alignment), all from the arena. */
static unsigned char **arena_rows(j_common_ptr info, JDIMENSION rows, size_t row_bytes) {
    size_t stride = rounded_to_alignment(info, row_bytes);
    if (rows != 0 && stride > MAX_OBJECT_BYTES / rows) ERREXIT1(info, JERR_OUT_OF_MEMORY, 3);
    unsigned char **result = arena_take(info, (size_t)rows * sizeof(unsigned char *));
    unsigned char *first = arena_take(info, (size_t)rows * stride);
    for (JDIMENSION row = 0; row < rows; row++) result[row] = first + (size_t)row * stride;
    return result;
}

static JSAMPARRAY alloc_sample_rows(j_common_ptr info, int pool, JDIMENSION samples_per_row, JDIMENSION rows) {
    if (pool != JPOOL_IMAGE) return decoder_of(info)->library_memory.alloc_sarray(info, pool, samples_per_row, rows);
    return (JSAMPARRAY)arena_rows(info, rows, (size_t)samples_per_row * sizeof(JSAMPLE));
}

static JBLOCKARRAY alloc_block_rows(j_common_ptr info, int pool, JDIMENSION blocks_per_row, JDIMENSION rows) {
    if (pool != JPOOL_IMAGE) return decoder_of(info)->library_memory.alloc_barray(info, pool, blocks_per_row, rows);
    return (JBLOCKARRAY)arena_rows(info, rows, (size_t)blocks_per_row * sizeof(JBLOCK));
}

static void free_objects(j_common_ptr info, int pool) {
    struct segd_jpeg_decoder *decoder = decoder_of(info);
    decoder->library_memory.free_pool(info, pool);
    if (pool == JPOOL_IMAGE) arena_reset(decoder);
}

static void fail(j_common_ptr info) {
    struct segd_jpeg_decoder *decoder = decoder_of(info);
    info->err->format_message(info, decoder->message);
    longjmp(decoder->failure, 1);
}

/* Warnings (level < 0) are corrupt data: fail as TurboJPEG's TJFLAG_STOPONWARNING does. Trace
   messages are dropped; nothing is ever printed. */
static void on_message(j_common_ptr info, int level) {
    if (level < 0) fail(info);
}

static void on_output_message(j_common_ptr info) { (void)info; }

/* A crafted progressive image can hold millions of scans; TurboJPEG's TJFLAG_LIMITSCANS bound. */
static void on_progress(j_common_ptr info) {
    j_decompress_ptr decompress = (j_decompress_ptr)info;
    if (decompress->progressive_mode && decompress->input_scan_number > MAX_PROGRESSIVE_SCANS) {
        struct segd_jpeg_decoder *decoder = decoder_of(info);
        snprintf(decoder->message, sizeof decoder->message, "more than %d progressive scans", MAX_PROGRESSIVE_SCANS);
        longjmp(decoder->failure, 1);
    }
}

/* jpeg_create_decompress, whose only failure (out of memory) longjmps; false then. */
static int create_decompressor(struct segd_jpeg_decoder *decoder) {
    if (setjmp(decoder->failure)) {
        jpeg_destroy_decompress(&decoder->info);
        return 0;
    }
    jpeg_create_decompress(&decoder->info);
    return 1;
}

segd_jpeg_decoder *segd_jpeg_decoder_create(void) {
    struct segd_jpeg_decoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) return NULL;
    decoder->info.err = jpeg_std_error(&decoder->errors);
    decoder->errors.error_exit = fail;
    decoder->errors.emit_message = on_message;
    decoder->errors.output_message = on_output_message;
    decoder->info.client_data = decoder;
    if (!create_decompressor(decoder)) {
        free(decoder);
        return NULL;
    }
    decoder->progress.progress_monitor = on_progress;
    decoder->info.progress = &decoder->progress;
    decoder->library_memory = *decoder->info.mem;
    decoder->info.mem->alloc_small = alloc_object;
    decoder->info.mem->alloc_large = alloc_large_object;
    decoder->info.mem->alloc_sarray = alloc_sample_rows;
    decoder->info.mem->alloc_barray = alloc_block_rows;
    decoder->info.mem->free_pool = free_objects;
    return decoder;
}

void segd_jpeg_decoder_destroy(segd_jpeg_decoder *decoder) {
    if (decoder == NULL) return;
    /* libjpeg's self_destruct frees its own pools directly, never through free_pool. */
    jpeg_destroy_decompress(&decoder->info);
    while (decoder->spilled != NULL) {
        struct spill_block *next = decoder->spilled->next;
        free(decoder->spilled);
        decoder->spilled = next;
    }
    free(decoder->arena);
    free(decoder);
}

segd_jpeg_status segd_jpeg_decode_rgb(segd_jpeg_decoder *decoder, const unsigned char *jpeg, size_t length,
                                      int scale_denominator, int width, int height, unsigned char *pixels,
                                      size_t row_bytes, int output_width, int output_height, int *found_width,
                                      int *found_height) {
    j_decompress_ptr info = &decoder->info;
    volatile segd_jpeg_status failure = SEGD_JPEG_UNREADABLE_HEADER;
    decoder->message[0] = 0;
    if (setjmp(decoder->failure)) {
        jpeg_abort_decompress(info);
        return failure;
    }
    jpeg_mem_src(info, jpeg, (unsigned long)length);
    jpeg_read_header(info, TRUE);
    *found_width = (int)info->image_width;
    *found_height = (int)info->image_height;
    if (info->image_width != (JDIMENSION)width || info->image_height != (JDIMENSION)height) {
        jpeg_abort_decompress(info);
        return SEGD_JPEG_WRONG_SIZE;
    }
    failure = SEGD_JPEG_UNDECODABLE;
    info->out_color_space = JCS_RGB;
    info->scale_num = 1;
    info->scale_denom = (unsigned int)scale_denominator;
    jpeg_start_decompress(info);
    if (info->output_width != (JDIMENSION)output_width || info->output_height != (JDIMENSION)output_height ||
        info->output_components != 3) {
        snprintf(decoder->message, sizeof decoder->message, "decodes to %ux%u with %d components, not %dx%d RGB",
                 info->output_width, info->output_height, info->output_components, output_width, output_height);
        jpeg_abort_decompress(info);
        return SEGD_JPEG_UNDECODABLE;
    }
    while (info->output_scanline < info->output_height) {
        JSAMPROW rows[16];
        JDIMENSION count = info->output_height - info->output_scanline;
        if (count > 16) count = 16;
        for (JDIMENSION row = 0; row < count; row++)
            rows[row] = pixels + (size_t)(info->output_scanline + row) * row_bytes;
        jpeg_read_scanlines(info, rows, count);
    }
    jpeg_finish_decompress(info);
    return SEGD_JPEG_DECODED;
}

const char *segd_jpeg_decoder_message(const segd_jpeg_decoder *decoder) { return decoder->message; }

size_t segd_jpeg_decoder_arena_bytes(const segd_jpeg_decoder *decoder) { return decoder->arena_bytes; }

size_t segd_jpeg_decoder_arena_growths(const segd_jpeg_decoder *decoder) { return decoder->arena_growths; }
