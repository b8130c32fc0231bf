import CJPEGDecoder
import SegKernels

/// Decodes the JPEG frames of one MJPEG stream into RGB24 with libjpeg-turbo, at a DCT scale
/// (`DCTScale`) chosen once, into a buffer it owns and reuses for every frame.
///
/// Corrupt frames are errors, never crashes: the frame must hold one whole JPEG of the stream's
/// size, and decoding stops at libjpeg's first warning (a warning means part of the image is
/// garbage) and after 500 progressive scans (a crafted frame cannot make it spin). Nothing is
/// allocated per frame once the first frame has been decoded: libjpeg's per-image working memory
/// comes from an arena kept across frames (`CJPEGDecoder`), which grows only when a frame needs
/// more than the earlier ones did. (Progressive JPEGs, which cameras do not send, still allocate
/// their coefficient buffers per image inside libjpeg.)
///
/// Not thread-safe: one thread decodes at a time (one libjpeg decompressor, one output buffer).
public final class MJPEGDecoder {
    /// The stream's frame size, in source pixels.
    public let width: Int
    public let height: Int
    /// The scale frames are decoded at.
    public let scale: DCTScale
    /// The decoded image's size: `scale` of the frame size, rounded up.
    public let outputWidth: Int
    public let outputHeight: Int
    /// The last decoded image: `outputHeight` rows of `outputWidth * 3` bytes (R, G, B), then
    /// `AlignedBuffer.kernelTailPadding` readable bytes, so SegKernels may read it in place.
    /// Owned by the decoder, valid for its lifetime, overwritten by each `decode`.
    public var pixels: UnsafePointer<UInt8> { UnsafePointer(output.typed(UInt8.self, count: outputByteCount)) }

    private let output: AlignedBuffer
    private let outputByteCount: Int
    private let decoder: OpaquePointer

    /// - Parameters:
    ///   - width: pixels per row of every frame.
    ///   - height: rows of every frame.
    ///   - scale: the DCT scale to decode at.
    /// - Throws: `CaptureError.unusable` when the size is not a JPEG size (1...65500) or
    ///   libjpeg-turbo cannot start.
    public init(width: Int, height: Int, scale: DCTScale) throws(CaptureError) {
        guard (1...65500).contains(width), (1...65500).contains(height) else {
            throw CaptureError.unusable(device: "MJPEG decoder", reason: "\(width)x\(height) is not a JPEG image size (1...65500)")
        }
        guard let decoder = segd_jpeg_decoder_create() else {
            throw CaptureError.unusable(device: "MJPEG decoder", reason: "libjpeg-turbo cannot start (out of memory)")
        }
        self.decoder = decoder
        self.width = width
        self.height = height
        self.scale = scale
        outputWidth = scale.scaled(width)
        outputHeight = scale.scaled(height)
        outputByteCount = outputWidth * outputHeight * 3
        output = AlignedBuffer(byteCount: outputByteCount)
    }

    deinit { segd_jpeg_decoder_destroy(decoder) }

    /// Decodes one frame into `pixels`. `frame` may run past the image (padding after the
    /// end-of-image marker is ignored).
    /// - Returns: `.failure` with the reason when the frame is not a whole JPEG of the stream's
    ///   size or does not decode cleanly; `pixels` then holds garbage. (A result rather than a
    ///   thrown error: throwing, even a typed error, calls the runtime's will-throw hook, which
    ///   test harnesses and debuggers install and which allocates.)
    public func decode(_ frame: UnsafeRawBufferPointer) -> Result<Void, CorruptFrame> {
        guard let length = JPEGBoundaries.imageLength(in: frame), let jpeg = frame.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            let startsLikeJPEG = frame.count >= 2 && frame[0] == 0xFF && frame[1] == 0xD8
            return .failure(startsLikeJPEG ? .truncated : .notJPEG)
        }
        var foundWidth: Int32 = 0, foundHeight: Int32 = 0
        let status = segd_jpeg_decode_rgb(
            decoder, jpeg, length, Int32(scale.denominator), Int32(width), Int32(height),
            output.typed(UInt8.self, count: outputByteCount), outputWidth * 3, Int32(outputWidth), Int32(outputHeight),
            &foundWidth, &foundHeight)
        switch status {
        case SEGD_JPEG_DECODED: return .success(())
        case SEGD_JPEG_UNREADABLE_HEADER: return .failure(.unreadableHeader)
        case SEGD_JPEG_WRONG_SIZE: return .failure(.wrongSize(width: Int(foundWidth), height: Int(foundHeight)))
        default: return .failure(.undecodable)
        }
    }

    /// Bytes of libjpeg working memory kept across frames, and how many times that arena grew
    /// (each growth is one allocation; a stream's first frame makes one).
    public var workingMemoryBytes: Int { segd_jpeg_decoder_arena_bytes(decoder) }
    public var workingMemoryGrowths: Int { segd_jpeg_decoder_arena_growths(decoder) }

    /// libjpeg-turbo's message about the last failed `decode` (for logs; allocates).
    public var lastLibraryMessage: String { String(cString: segd_jpeg_decoder_message(decoder)) }
}
