#include "image_codecs.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

int segd_decode_jpeg(const uint8_t *data, size_t size, int *width, int *height, uint8_t **pixels,
                     char *err, size_t err_size) {
    tjhandle handle = tjInitDecompress();
    if (!handle) {
        snprintf(err, err_size, "tjInitDecompress: %s", tjGetErrorStr());
        return -1;
    }
    int w = 0, h = 0, subsampling = 0, colorspace = 0;
    if (tjDecompressHeader3(handle, data, (unsigned long)size, &w, &h, &subsampling, &colorspace) != 0) {
        snprintf(err, err_size, "%s", tjGetErrorStr2(handle));
        tjDestroy(handle);
        return -1;
    }
    uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
    if (!rgb) {
        snprintf(err, err_size, "out of memory for %dx%d", w, h);
        tjDestroy(handle);
        return -1;
    }
    if (tjDecompress2(handle, data, (unsigned long)size, rgb, w, 0, h, TJPF_RGB, TJFLAG_ACCURATEDCT) != 0
        && tjGetErrorCode(handle) == TJERR_FATAL) {
        snprintf(err, err_size, "%s", tjGetErrorStr2(handle));
        free(rgb);
        tjDestroy(handle);
        return -1;
    }
    tjDestroy(handle);
    *width = w;
    *height = h;
    *pixels = rgb;
    return 0;
}

int segd_decode_png(const uint8_t *data, size_t size, int *width, int *height, uint8_t **pixels,
                    char *err, size_t err_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(err, err_size, "%s", image.message);
        return -1;
    }
    image.format = PNG_FORMAT_RGB;
    uint8_t *rgb = malloc(PNG_IMAGE_SIZE(image));
    if (!rgb) {
        snprintf(err, err_size, "out of memory for %ux%u", image.width, image.height);
        png_image_free(&image);
        return -1;
    }
    if (!png_image_finish_read(&image, NULL, rgb, 0, NULL)) {
        snprintf(err, err_size, "%s", image.message);
        free(rgb);
        return -1;
    }
    *width = (int)image.width;
    *height = (int)image.height;
    *pixels = rgb;
    return 0;
}

int segd_encode_png(const uint8_t *pixels, int width, int height, int channels, uint8_t **png,
                    size_t *png_size, char *err, size_t err_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    png_alloc_size_t needed = 0;
    if (!png_image_write_to_memory(&image, NULL, &needed, 0, pixels, 0, NULL)) {
        snprintf(err, err_size, "%s", image.message);
        return -1;
    }
    uint8_t *out = malloc(needed);
    if (!out) {
        snprintf(err, err_size, "out of memory for a %zu-byte PNG", (size_t)needed);
        return -1;
    }
    if (!png_image_write_to_memory(&image, out, &needed, 0, pixels, 0, NULL)) {
        snprintf(err, err_size, "%s", image.message);
        free(out);
        return -1;
    }
    *png = out;
    *png_size = needed;
    return 0;
}
