import SegRuntime

/// The bytes of a compiled model's weight section as the lowering appends to it: every blob
/// 64-byte aligned so that kernels can read it in place from a memory-mapped file.
struct WeightSectionBuilder {
    private(set) var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ values: [T]) -> BlobRef {
        align()
        let ref = BlobRef(offset: bytes.count, count: values.count)
        for value in values {
            var v = value.littleEndian
            withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
        }
        return ref
    }

    mutating func append(_ values: [Float]) -> BlobRef {
        align()
        let ref = BlobRef(offset: bytes.count, count: values.count)
        for value in values {
            var v = value.bitPattern.littleEndian
            withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
        }
        return ref
    }

    private mutating func align() {
        while bytes.count % 64 != 0 { bytes.append(0) }
    }
}
