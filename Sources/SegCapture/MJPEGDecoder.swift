import CTurboJPEG
import SegKernels

/// Decodes the JPEG frames of one MJPEG stream into RGB24 with libjpeg-turbo, at a DCT scale
/// (`DCTScale`) chosen once, into a buffer it owns and reuses for every frame.
///
/// Corrupt frames are errors, never crashes: the frame must hold one whole JPEG of the stream's
/// size, and libjpeg-turbo stops at its first warning (`TJFLAG_STOPONWARNING`; a warning means
/// part of the image is garbage) and after 500 progressive scans (`TJFLAG_LIMITSCANS`; a crafted
/// frame cannot make it spin). Swift code allocates nothing per frame; libjpeg-turbo mallocs and
/// frees its per-image working memory inside each `decode` (a constant number of blocks: the
/// library offers no way to keep them).
///
/// Not thread-safe: one thread decodes at a time (one TurboJPEG handle, one output buffer).
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
    private let handle: tjhandle

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
        guard let handle = tjInitDecompress() else {
            throw CaptureError.unusable(device: "MJPEG decoder", reason: "libjpeg-turbo: \(String(cString: tjGetErrorStr2(nil)))")
        }
        self.handle = handle
        self.width = width
        self.height = height
        self.scale = scale
        outputWidth = scale.scaled(width)
        outputHeight = scale.scaled(height)
        outputByteCount = outputWidth * outputHeight * 3
        output = AlignedBuffer(byteCount: outputByteCount)
    }

    deinit { tjDestroy(handle) }

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
        var imageWidth: Int32 = 0, imageHeight: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
        guard tjDecompressHeader3(handle, jpeg, UInt(length), &imageWidth, &imageHeight, &subsampling, &colourspace) == 0 else {
            return .failure(.unreadableHeader)
        }
        guard Int(imageWidth) == width, Int(imageHeight) == height else {
            return .failure(.wrongSize(width: Int(imageWidth), height: Int(imageHeight)))
        }
        // Asking for exactly the scaled size selects that scale (the largest that fits).
        let status = tjDecompress2(
            handle, jpeg, UInt(length), output.typed(UInt8.self, count: outputByteCount), Int32(outputWidth),
            Int32(outputWidth * 3), Int32(outputHeight), Int32(TJPF_RGB.rawValue), TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS)
        return status == 0 ? .success(()) : .failure(.undecodable)
    }

    /// libjpeg-turbo's message about the last failed `decode` (for logs; allocates).
    public var lastLibraryMessage: String { String(cString: tjGetErrorStr2(handle)) }
}
