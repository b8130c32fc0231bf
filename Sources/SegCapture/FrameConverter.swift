import SegKernels

/// Turns each frame of one source into the model's int8 input tensor: raw frames (YUYV, NV12,
/// RGB24, BGR24) in one `PixelConversion` pass straight from the source's buffer; MJPEG frames
/// decoded by `MJPEGDecoder` (at a DCT scale near the input size) into RGB24, then converted.
///
/// A frame whose bytes do not hold its image is dropped: `convert` returns false and counts it,
/// and never traps on bad bytes. Everything is planned at init; `convert` allocates nothing once an
/// MJPEG stream's first frame has sized the decoder's arena (see `MJPEGDecoder`) and checks only
/// O(1) things.
///
/// Not thread-safe: one thread converts at a time (the workspace, decoder and counters are
/// shared by all calls).
public final class FrameConverter {
    /// The frames this converter takes.
    public let source: SourceFormat
    public let input: ModelInputLayout
    public let framing: Framing
    /// The scale MJPEG frames are decoded at (`DCTScale.choose`); `.full` for raw frames, and
    /// for MJPEG when DCT scaling is off.
    public let decodeScale: DCTScale
    /// What `PixelConversion` does: for MJPEG, over the decoded image (crop in decoded pixels).
    public var geometry: PixelConversionGeometry { conversion.geometry }
    /// Frames dropped because their bytes did not hold their image.
    public private(set) var corruptFrames = 0
    /// Why the last dropped frame was dropped.
    public private(set) var lastCorruption: CorruptFrame?
    /// Raw frames copied to a padded buffer first because the conversion might have read past
    /// the end of their bytes (see `RawFrameExtent`).
    public private(set) var copiedFrames = 0

    private enum Decoding {
        /// Straight from the frame's bytes, or from `padded` (allocated when a frame of
        /// `extent.byteCount` bytes may need it).
        case raw(extent: RawFrameExtent, padded: AlignedBuffer?)
        case mjpeg(MJPEGDecoder)
    }

    private let decoding: Decoding
    private let conversion: PixelConversion
    private let workspace: AlignedBuffer

    /// Plans the conversion of `source` frames into `input`.
    /// - Parameters:
    ///   - framing: how the frame's aspect ratio is fitted to the input's.
    ///   - dctScaling: MJPEG only: decode at a reduced size when the input is small enough
    ///     (`DCTScale.choose`); false decodes at full size.
    ///   - yuvRange: the range of YUYV and NV12 samples (V4L2's default for YUV is limited).
    /// - Throws: `CaptureError.unusable` naming `source` when the conversion cannot take it.
    public init(
        source: SourceFormat, input: ModelInputLayout, framing: Framing, dctScaling: Bool = true, yuvRange: YUVRange = .limited
    ) throws(CaptureError) {
        self.source = source
        self.input = input
        self.framing = framing
        let refuse = { (reason: String) in
            CaptureError.unusable(device: source.description, reason: "cannot convert into a \(input.width)x\(input.height) model input (\(framing)): \(reason)")
        }
        guard (1...16384).contains(source.width), (1...16384).contains(source.height) else { throw refuse("frame size out of 1...16384") }
        guard (1...16384).contains(input.width), (1...16384).contains(input.height) else { throw refuse("input size out of 1...16384") }
        let isYUV = source.format == .yuyv || source.format == .nv12
        let (crop, destination) = framing.placement(
            frameWidth: source.width, frameHeight: source.height, inputWidth: input.width, inputHeight: input.height, evenCropX: isYUV)

        let layout: FrameLayout, conversionCrop: PixelRect
        switch source.format {
        case .mjpeg:
            decodeScale = dctScaling
                ? DCTScale.choose(cropWidth: crop.width, cropHeight: crop.height, destinationWidth: destination.width, destinationHeight: destination.height)
                : .full
            layout = FrameLayout(format: .rgb24, width: decodeScale.scaled(source.width), height: decodeScale.scaled(source.height))
            conversionCrop = FrameConverter.scale(crop, from: source, to: layout)
        case .yuyv, .nv12, .rgb24, .bgr24:
            decodeScale = .full
            let format: PixelFormat = switch source.format {
            case .yuyv: .yuyv
            case .nv12: .nv12
            case .bgr24: .bgr24
            default: .rgb24
            }
            layout = FrameLayout(
                format: format, width: source.width, height: source.height, rowStride: source.rowStride,
                chromaRowStride: source.chromaRowStride, range: yuvRange)
            conversionCrop = crop
        }
        let geometry = PixelConversionGeometry(
            frame: layout, crop: conversionCrop, outputWidth: input.width, outputHeight: input.height, destination: destination,
            channelOrder: input.channelOrder)
        do {
            conversion = try PixelConversion(geometry, normalization: input.normalization)
        } catch {
            throw refuse(error.description)
        }
        // The layout is valid now (strides in range), so its byte counts are.
        if source.format == .mjpeg {
            decoding = .mjpeg(try MJPEGDecoder(width: source.width, height: source.height, scale: decodeScale))
        } else {
            let extent = RawFrameExtent(layout, crop: crop)
            decoding = .raw(extent: extent, padded: extent.inPlaceByteCount > extent.byteCount ? AlignedBuffer(byteCount: extent.byteCount) : nil)
        }
        workspace = AlignedBuffer(byteCount: conversion.workspaceByteCount, tailPadding: 0)
    }

    /// Converts one frame into `output` (`input.elementCount` Int8 values, NHWC).
    /// - Returns: false when the frame was corrupt (counted in `corruptFrames`, `output` then
    ///   holds garbage). A frame of another format than `source` is a programmer error (a new
    ///   format needs a new converter) and traps.
    public func convert(_ frame: CapturedFrame, into output: UnsafeMutablePointer<Int8>) -> Bool {
        let format = frame.format
        precondition(
            format.format == source.format && format.width == source.width && format.height == source.height
                && format.rowStride == source.rowStride && format.chromaRowStride == source.chromaRowStride,
            "FrameConverter: a \(format) frame given to the converter of \(source) frames")
        switch decoding {
        case .raw(let extent, let padded):
            let count = frame.bytes.count
            guard count >= extent.byteCount, let base = frame.bytes.baseAddress else {
                return drop(.short(byteCount: count, needed: extent.byteCount))
            }
            var pixels = base.assumingMemoryBound(to: UInt8.self)
            if count < extent.inPlaceByteCount, let padded {
                padded.pointer.copyMemory(from: base, byteCount: extent.byteCount)
                pixels = UnsafePointer(padded.typed(UInt8.self, count: extent.byteCount))
                copiedFrames &+= 1
            }
            conversion.run(frame: pixels, chroma: pixels + extent.chromaOffset, output: output, workspace: workspace.pointer)
        case .mjpeg(let decoder):
            if case .failure(let reason) = decoder.decode(frame.bytes) { return drop(reason) }
            conversion.run(frame: decoder.pixels, chroma: nil, output: output, workspace: workspace.pointer)
        }
        return true
    }

    private func drop(_ reason: CorruptFrame) -> Bool {
        corruptFrames &+= 1
        lastCorruption = reason
        return false
    }

    /// `crop` (source pixels) in the decoded image of `layout`'s size, edges rounded to the
    /// nearest decoded pixel.
    private static func scale(_ crop: PixelRect, from source: SourceFormat, to layout: FrameLayout) -> PixelRect {
        func edge(_ value: Int, _ from: Int, _ to: Int) -> Int { (2 * value * to + from) / (2 * from) }
        let x = min(edge(crop.x, source.width, layout.width), layout.width - 1)
        let y = min(edge(crop.y, source.height, layout.height), layout.height - 1)
        let right = min(max(edge(crop.x + crop.width, source.width, layout.width), x + 1), layout.width)
        let bottom = min(max(edge(crop.y + crop.height, source.height, layout.height), y + 1), layout.height)
        return PixelRect(x: x, y: y, width: right - x, height: bottom - y)
    }
}
