import SegKernels

/// How many bytes a raw (YUYV, NV12, RGB24, BGR24) frame holds and how many `PixelConversion`
/// may read from it, so that a frame is converted where it lies when that is safe and copied to
/// a padded buffer when it is not.
///
/// `PixelConversion` documents that it may read `AlignedBuffer.kernelTailPadding` bytes past the
/// end of each plane. A frame in a V4L2 buffer often has no such bytes: YUYV 640x480 fills
/// exactly 150 pages, and the page after the mapping may not exist. But the conversion reads only
/// the rows and columns of its crop, in whole 16-pixel groups (its vertical pass), so when the
/// crop stops short of the frame's right edge (a centre crop) or its width is a multiple of 16
/// pixels it reads nothing past the frame. `inPlaceByteCount` is the smaller of the documented
/// bound and that one; `Tests/SegCaptureTests` runs conversions of frames that end at an
/// unmapped page to catch a kernel that ever reads further.
struct RawFrameExtent: Equatable {
    /// Bytes of the frame's pixels: the first plane through its last pixel, and for NV12 the UV
    /// plane (at `rowStride * height`) through its last pair.
    let byteCount: Int
    /// Where NV12's UV plane starts; 0 otherwise.
    let chromaOffset: Int
    /// Bytes the conversion of `crop` may read from the frame's start: a frame with fewer must
    /// be copied to a buffer with `AlignedBuffer.kernelTailPadding` bytes after it.
    let inPlaceByteCount: Int

    init(_ layout: FrameLayout, crop: PixelRect) {
        let bytesPerPixel = layout.format.bytesPerPixel
        let firstPlane = (layout.height - 1) * layout.rowStride + layout.width * bytesPerPixel
        let lastRow = crop.y + crop.height - 1
        let groupPixels = (crop.width + 15) & ~15
        var read = lastRow * layout.rowStride + crop.x * bytesPerPixel + groupPixels * bytesPerPixel
        if layout.format == .nv12 {
            chromaOffset = layout.rowStride * layout.height
            byteCount = chromaOffset + (layout.height / 2 - 1) * layout.chromaRowStride + layout.width
            read = max(read, chromaOffset + (lastRow / 2) * layout.chromaRowStride + crop.x + groupPixels)
        } else {
            chromaOffset = 0
            byteCount = firstPlane
        }
        inPlaceByteCount = min(byteCount + AlignedBuffer.kernelTailPadding, max(byteCount, read))
    }
}
