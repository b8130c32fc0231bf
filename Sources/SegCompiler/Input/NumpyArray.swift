import SegImageIO

/// A float32 array in NumPy's `.npy` format (version 1.0-3.0, little-endian `<f4`, C order): what
/// `segctl` reads as input tensors and writes as logits.
public struct NumpyArray: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape does not match the value count")
        self.shape = shape
        self.values = values
    }

    /// Parses `.npy` bytes; `name` labels errors.
    public static func parse(_ bytes: [UInt8], name: String) throws(ImageCodecError) -> NumpyArray {
        func fail(_ message: String) -> ImageCodecError { ImageCodecError(path: name, message: message) }
        guard bytes.count >= 10, bytes.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) else { throw fail("not a .npy file") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else if major == 2 || major == 3, bytes.count >= 12 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        } else {
            throw fail(".npy version \(major) is not supported")
        }
        guard bytes.count >= headerStart + headerLength else { throw fail("truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        guard header.contains("'descr': '<f4'") else { throw fail("dtype must be float32 little-endian ('<f4'), header: \(header)") }
        guard header.contains("'fortran_order': False") else { throw fail("Fortran-order arrays are not supported") }
        guard let open = header.firstIndex(of: "("), let close = header[open...].firstIndex(of: ")") else {
            throw fail("no shape in header: \(header)")
        }
        var shape: [Int] = []
        for part in header[header.index(after: open)..<close].split(separator: ",") {
            let text = part.filter { $0 != " " }
            if text.isEmpty { continue }
            guard let dim = Int(text), dim >= 0 else { throw fail("bad shape entry \"\(text)\"") }
            shape.append(dim)
        }
        let count = shape.reduce(1, *)
        let dataStart = headerStart + headerLength
        guard bytes.count - dataStart >= count * 4 else {
            throw fail("data truncated: shape \(shape) needs \(count * 4) bytes, file has \(bytes.count - dataStart)")
        }
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let o = dataStart + i * 4
            let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
            values[i] = Float(bitPattern: bits)
        }
        return NumpyArray(shape: shape, values: values)
    }

    /// The `.npy` (version 1.0) bytes of this array.
    public func serialized() -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        bytes.append(UInt8(header.utf8.count & 0xFF))
        bytes.append(UInt8(header.utf8.count >> 8))
        bytes.append(contentsOf: header.utf8)
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for value in values {
            let bits = value.bitPattern
            bytes.append(contentsOf: [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)])
        }
        return bytes
    }
}
