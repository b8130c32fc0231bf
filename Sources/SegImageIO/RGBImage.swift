import CImageCodecs
import Glibc

/// An 8-bit RGB image, rows packed (`width * 3` bytes each), top row first.
public struct RGBImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage needs width * height * 3 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// A still image segd's tools could not read or write.
public struct ImageCodecError: Error, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// JPEG (libjpeg-turbo) and PNG (libpng) decoding to RGB, and PNG encoding of gray or RGB pixels.
public enum ImageCodecs {
    /// Decodes a JPEG or PNG file (told apart by its signature) into RGB.
    public static func load(path: String) throws(ImageCodecError) -> RGBImage {
        let data = try readFile(path)
        return try decode(data, name: path)
    }

    /// Decodes JPEG or PNG bytes into RGB; `name` labels errors.
    public static func decode(_ data: [UInt8], name: String) throws(ImageCodecError) -> RGBImage {
        var width: Int32 = 0, height: Int32 = 0
        var pixels: UnsafeMutablePointer<UInt8>?
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32
        if data.starts(with: [0xFF, 0xD8]) {
            status = segd_decode_jpeg(data, data.count, &width, &height, &pixels, &message, message.count)
        } else if data.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            status = segd_decode_png(data, data.count, &width, &height, &pixels, &message, message.count)
        } else {
            throw ImageCodecError(path: name, message: "neither JPEG nor PNG (unknown signature)")
        }
        guard status == 0, let pixels else {
            throw ImageCodecError(path: name, message: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { free(pixels) }
        let count = Int(width) * Int(height) * 3
        return RGBImage(width: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// Encodes `width x height` pixels of `channels` (1 or 3) bytes each as PNG.
    public static func encodePNG(_ pixels: [UInt8], width: Int, height: Int, channels: Int) throws(ImageCodecError) -> [UInt8] {
        precondition(channels == 1 || channels == 3, "PNG channels must be 1 or 3")
        precondition(pixels.count == width * height * channels, "pixel count does not match the size")
        var png: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        guard segd_encode_png(pixels, Int32(width), Int32(height), Int32(channels), &png, &size, &message, message.count) == 0,
            let png
        else {
            throw ImageCodecError(path: "png", message: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { free(png) }
        return Array(UnsafeBufferPointer(start: png, count: size))
    }

    /// Reads a whole file.
    public static func readFile(_ path: String) throws(ImageCodecError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw ImageCodecError(path: path, message: String(cString: strerror(errno))) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count {
                if ferror(file) != 0 { throw ImageCodecError(path: path, message: String(cString: strerror(errno))) }
                break
            }
        }
        return bytes
    }
}
