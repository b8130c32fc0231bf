import CTurboJPEG
import Foundation
import SegCapture
import SegKernels
import SegKernelsConformance
import Testing

extension SplitMix64 {
    /// A value in `range`.
    mutating func int(_ range: Range<Int>) -> Int { int(range.lowerBound...(range.upperBound - 1)) }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

/// ImageNet normalization with a plausible int8 input quantization and a grey pad colour.
let testNormalization = PixelNormalization.imageNet(scale: 0.0186, zeroPoint: -14, padColor: SIMD3(124, 116, 104))

/// A photo-like RGB24 image: smooth gradients, hard-edged discs and a little texture, so that a
/// JPEG of it has both flat areas and edges.
func syntheticPhoto(width: Int, height: Int, seed: UInt64 = 1) -> [UInt8] {
    var random = SplitMix64(seed: seed)
    let discs = (0..<4).map { _ in (random.int(0..<width), random.int(0..<height), random.int(4..<max(5, width / 4)), random.int(0..<256)) }
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            var r = 128 + 90 * sin(Double(x) / 15 + Double(y) / 31), g = Double(x * 255 / width), b = Double(y * 255 / height)
            for (cx, cy, radius, shade) in discs where (x - cx) * (x - cx) + (y - cy) * (y - cy) < radius * radius {
                (r, g, b) = (Double(shade), Double(255 - shade), Double(shade / 2))
            }
            let texture = Double(Int(random.next() % 5) - 2)
            pixels[(y * width + x) * 3] = UInt8(max(0, min(255, r + texture)))
            pixels[(y * width + x) * 3 + 1] = UInt8(max(0, min(255, g + texture)))
            pixels[(y * width + x) * 3 + 2] = UInt8(max(0, min(255, b + texture)))
        }
    }
    return pixels
}

/// `rgb` (packed RGB24) as a JPEG made by libjpeg-turbo: baseline 4:2:2 unless told otherwise
/// (what UVC cameras send).
func encodeJPEG(
    _ rgb: [UInt8], width: Int, height: Int, quality: Int32 = 90, subsampling: TJSAMP = TJSAMP_422, progressive: Bool = false
) -> [UInt8] {
    let handle = tjInitCompress()!
    defer { tjDestroy(handle) }
    var jpeg: UnsafeMutablePointer<UInt8>?
    var size: UInt = 0
    let status = rgb.withUnsafeBufferPointer {
        tjCompress2(
            handle, $0.baseAddress, Int32(width), Int32(width * 3), Int32(height), Int32(TJPF_RGB.rawValue), &jpeg, &size,
            Int32(subsampling.rawValue), quality, progressive ? TJFLAG_PROGRESSIVE : 0)
    }
    precondition(status == 0, String(cString: tjGetErrorStr2(handle)))
    defer { tjFree(jpeg) }
    return Array(UnsafeBufferPointer(start: jpeg, count: Int(size)))
}

/// `jpeg` decoded by TurboJPEG into packed RGB24 of `width x height`: full size, or a DCT scale
/// when that is the image's size scaled (TurboJPEG picks the largest scale that fits).
func decodeJPEG(_ jpeg: [UInt8], width: Int, height: Int) -> [UInt8] {
    let handle = tjInitDecompress()!
    defer { tjDestroy(handle) }
    var rgb = [UInt8](repeating: 0, count: width * height * 3)
    let status = rgb.withUnsafeMutableBufferPointer { target in
        jpeg.withUnsafeBufferPointer {
            tjDecompress2(
                handle, $0.baseAddress, UInt($0.count), target.baseAddress, Int32(width), Int32(width * 3), Int32(height),
                Int32(TJPF_RGB.rawValue), 0)
        }
    }
    precondition(status == 0, String(cString: tjGetErrorStr2(handle)))
    return rgb
}

/// Bytes in a buffer with the kernels' tail padding after them.
func padded(_ bytes: [UInt8]) -> AlignedBuffer {
    let buffer = AlignedBuffer(byteCount: bytes.count)
    bytes.withUnsafeBytes { buffer.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    return buffer
}

/// Converts `bytes` as one frame of `converter`'s source: the result, and the output.
func convert(_ converter: FrameConverter, _ bytes: [UInt8]) -> (Bool, [Int8]) {
    var output = [Int8](repeating: 0, count: converter.input.elementCount)
    let converted = bytes.withUnsafeBytes { frame in
        output.withUnsafeMutableBufferPointer {
            converter.convert(CapturedFrame(format: converter.source, bytes: frame, sequence: 0, timestampNanoseconds: 0), into: $0.baseAddress!)
        }
    }
    return (converted, output)
}

/// `pixelConversionReference` of `frame` (NV12's UV plane at `chromaOffset` in it).
func referenceConversion(
    _ geometry: PixelConversionGeometry, normalization: PixelNormalization, frame: [UInt8], chromaOffset: Int = 0
) -> [Int8] {
    var output = [Int8](repeating: 0, count: geometry.outputElementCount)
    let buffer = padded(frame)
    let pointer = UnsafePointer(buffer.typed(UInt8.self, count: frame.count))
    output.withUnsafeMutableBufferPointer {
        pixelConversionReference(
            geometry, normalization: normalization, frame: pointer, chroma: pointer + chromaOffset, output: $0.baseAddress!)
    }
    return output
}

/// A fresh empty directory under the system's temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "segcapture-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
