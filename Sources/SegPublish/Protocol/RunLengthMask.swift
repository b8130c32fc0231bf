/// The run-length mask encoding: the mask read row-major as one sequence (runs continue across
/// rows), cut into runs of equal class ids of 1...65535 pixels, each stored as 3 bytes: run length
/// u16 little-endian, then the class id u8. Longer runs are split. The lengths sum to width x height.
public enum RunLengthMask {
    /// Bytes per run.
    public static let runLength = 3
    public static let maximumRun = 65535

    /// Encodes `mask` into `output`; returns the bytes written, or nil when the runs do not fit in
    /// `output` (send the mask raw then). `mask` must not be empty.
    public static func encode(_ mask: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        precondition(!mask.isEmpty, "an empty mask has no runs")
        let pixels = mask.bindMemory(to: UInt8.self)
        var written = 0
        var index = 0
        while index < pixels.count {
            let id = pixels[index]
            var run = 1
            while index + run < pixels.count, run < maximumRun, pixels[index + run] == id { run += 1 }
            guard written + runLength <= output.count else { return nil }
            output[written] = UInt8(truncatingIfNeeded: run)
            output[written + 1] = UInt8(truncatingIfNeeded: run >> 8)
            output[written + 2] = id
            written += runLength
            index += run
        }
        return written
    }

    /// Encodes `mask` as a new array (for tests and clients; the server encodes into its buffers).
    public static func encode(_ mask: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: mask.count * runLength)
        let count = mask.withUnsafeBytes { source in output.withUnsafeMutableBytes { encode(source, into: $0)! } }
        output.removeLast(output.count - count)
        return output
    }

    /// Decodes runs into exactly `output.count` pixels. Throws when the data is not a whole number
    /// of runs, a run is empty, or the lengths do not sum to `output.count`.
    public static func decode(_ data: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(ProtocolError) {
        guard data.count % runLength == 0 else { throw ProtocolError.malformed(.frame, reason: "run-length data of \(data.count) bytes is not whole runs") }
        var filled = 0
        for offset in stride(from: 0, to: data.count, by: runLength) {
            let run = Int(data[offset]) | Int(data[offset + 1]) << 8
            guard run > 0 else { throw ProtocolError.malformed(.frame, reason: "empty run at byte \(offset)") }
            guard filled + run <= output.count else { throw ProtocolError.malformed(.frame, reason: "runs cover more than \(output.count) pixels") }
            output.baseAddress!.advanced(by: filled).initializeMemory(as: UInt8.self, repeating: data[offset + 2], count: run)
            filled += run
        }
        guard filled == output.count else { throw ProtocolError.malformed(.frame, reason: "runs cover \(filled) of \(output.count) pixels") }
    }

    /// Decodes runs into a new mask of `pixelCount` class ids.
    public static func decode(_ data: [UInt8], pixelCount: Int) throws(ProtocolError) -> [UInt8] {
        var mask = [UInt8](repeating: 0, count: pixelCount)
        let result = data.withUnsafeBytes { source in
            mask.withUnsafeMutableBytes { target -> Result<Void, ProtocolError> in
                do throws(ProtocolError) { return .success(try decode(source, into: target)) } catch { return .failure(error) }
            }
        }
        try result.get()
        return mask
    }
}
