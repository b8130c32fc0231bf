import Glibc

/// Where JPEG images lie in the buffers cameras and files hand over. Pure functions over borrowed
/// bytes: they allocate nothing and keep no state, so any thread may call them.
public enum JPEGBoundaries {
    /// The length of the JPEG image a camera buffer holds: from its start, which must be a
    /// start-of-image marker (`FF D8`), to the end of its last end-of-image marker (`FF D9`).
    ///
    /// UVC cameras and v4l2loopback hand over buffers whose `bytesused` runs past the image: zero
    /// padding is trimmed (stale bytes of an earlier, longer frame may stay inside the length;
    /// the decoder stops at the image's own end marker). Scanning backwards finds the end after
    /// the few padding bytes instead of walking the whole image. Inside a JPEG's entropy-coded
    /// data every `FF` byte is followed by `00` or a restart marker, so the last `FF D9` ends an
    /// image unless the buffer is truncated (then it may end an embedded thumbnail, and decoding
    /// fails, as it must).
    /// - Returns: nil when the buffer does not start with `FF D8` or has no `FF D9` after it
    ///   (a truncated frame).
    public static func imageLength(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
            base[0] == 0xFF, base[1] == 0xD8
        else { return nil }
        // The last FF D9 whose FF is at index 2 or later.
        var end = bytes.count
        while let marker = lastByte(0xFF, in: base + 2, count: end &- 3) {
            let index = marker &+ 2
            if base[index &+ 1] == 0xD9 { return index &+ 2 }
            end = index &+ 1
        }
        return nil
    }

    /// The index of the last byte equal to `value` among `count` bytes at `start`, eight bytes a
    /// step (glibc's `memrchr` is not exported to Swift).
    @inline(__always)
    private static func lastByte(_ value: UInt8, in start: UnsafePointer<UInt8>, count: Int) -> Int? {
        var index = count
        let pattern = UInt64(value) &* 0x0101_0101_0101_0101
        while index >= 8 {
            // A zero byte in `word ^ pattern` marks a match (the classic has-zero-byte test).
            let word = UnsafeRawPointer(start + (index &- 8)).loadUnaligned(as: UInt64.self) ^ pattern
            if (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0 { break }
            index &-= 8
        }
        while index > 0 {
            index &-= 1
            if start[index] == value { return index }
        }
        return nil
    }

    /// One image of a stream of concatenated JPEGs (an `.mjpeg` file): its byte range and the
    /// size its frame header (SOF) gives.
    public struct Image: Equatable, Sendable {
        public var range: Range<Int>
        public var width: Int
        public var height: Int
    }

    /// The first whole image that starts at or after `offset`, found by walking its marker
    /// segments (so the JPEG thumbnail an EXIF segment may embed is skipped, not taken for a
    /// frame): segments by their lengths, entropy-coded data up to the next marker that is not a
    /// stuffed `FF 00` or a restart marker, up to the end-of-image marker.
    /// - Returns: nil when no start-of-image follows `offset`. An image that is cut short or
    ///   malformed, or has no frame header, is skipped and the search goes on after its start.
    public static func nextImage(in bytes: UnsafeRawBufferPointer, from offset: Int) -> Image? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let count = bytes.count
        var start = offset
        while let soi = firstMarker(0xD8, in: base, from: start, to: count) {
            if let image = walkImage(base, start: soi, count: count) { return image }
            start = soi &+ 2
        }
        return nil
    }

    /// The index of the first `FF code` pair in `from..<to`.
    private static func firstMarker(_ code: UInt8, in base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        var index = from
        while index &+ 1 < to, let found = memchr(base + index, 0xFF, to &- 1 &- index) {
            index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            if base[index &+ 1] == code { return index }
            index &+= 1
        }
        return nil
    }

    /// The image whose start-of-image marker is at `start`, or nil if it is not whole and sound.
    private static func walkImage(_ base: UnsafePointer<UInt8>, start: Int, count: Int) -> Image? {
        var index = start &+ 2
        var size: (width: Int, height: Int)?
        while index &+ 1 < count {
            guard base[index] == 0xFF else { return nil }
            let code = base[index &+ 1]
            switch code {
            case 0xFF:
                // Fill byte before a marker.
                index &+= 1
                continue
            case 0xD9:
                guard let size else { return nil }
                return Image(range: start..<(index &+ 2), width: size.width, height: size.height)
            case 0x01, 0xD0...0xD7:
                index &+= 2
                continue
            default:
                break
            }
            guard index &+ 3 < count else { return nil }
            let length = Int(base[index &+ 2]) << 8 | Int(base[index &+ 3])
            guard length >= 2, index &+ 2 &+ length <= count else { return nil }
            // Frame headers: SOF0...SOF15 except DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(code) && code != 0xC4 && code != 0xC8 && code != 0xCC {
                guard length >= 7 else { return nil }
                let height = Int(base[index &+ 5]) << 8 | Int(base[index &+ 6])
                let width = Int(base[index &+ 7]) << 8 | Int(base[index &+ 8])
                guard width > 0, height > 0 else { return nil }
                size = (width, height)
            }
            index &+= 2 &+ length
            if code == 0xDA {
                // Entropy-coded data: ends at the first FF that is not stuffing or a restart marker.
                while index &+ 1 < count {
                    guard let found = memchr(base + index, 0xFF, count &- index) else { return nil }
                    index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
                    guard index &+ 1 < count else { return nil }
                    let next = base[index &+ 1]
                    if next != 0x00 && !(0xD0...0xD7).contains(next) { break }
                    index &+= 2
                }
            }
        }
        return nil
    }
}
