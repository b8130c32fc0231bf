import Foundation

/// A tensor whose value is known at import time: an initializer, a `Constant` node's value or the
/// result of folding a shape computation. Row-major over `dims`, in ONNX's axis order (NCHW for
/// weights); a scalar has no dims.
struct ConstantTensor {
    enum Elements {
        /// FLOAT (and FLOAT results of folding).
        case float([Float])
        /// INT64, INT32 and BOOL, widened.
        case integer([Int64])
    }

    var dims: [Int]
    var elements: Elements

    init(dims: [Int], elements: Elements) {
        self.dims = dims
        self.elements = elements
    }

    init(dims: [Int], integers: [Int64]) {
        self.init(dims: dims, elements: .integer(integers))
    }

    var count: Int {
        switch elements {
        case .float(let v): v.count
        case .integer(let v): v.count
        }
    }

    /// The elements as Float (integers converted).
    var floats: [Float] {
        switch elements {
        case .float(let v): v
        case .integer(let v): v.map { Float($0) }
        }
    }

    /// The elements as Double (integers converted), for folding arithmetic.
    var doubles: [Double] {
        switch elements {
        case .float(let v): v.map { Double($0) }
        case .integer(let v): v.map { Double($0) }
        }
    }

    var isFloat: Bool {
        if case .float = elements { return true }
        return false
    }

    /// Elements as written in messages: `[1, 2, 3]` or `FLOAT[64x3x3x3]` when long.
    var summary: String {
        if count <= 8 {
            switch elements {
            case .float(let v): return "\(v)"
            case .integer(let v): return "\(v)"
            }
        }
        return "\(isFloat ? "FLOAT" : "INT64")[\(dims.map(String.init).joined(separator: "x"))]"
    }
}

/// ONNX `TensorProto.DataType` names, for messages.
func onnxDataTypeName(_ type: Int32) -> String {
    let names = [
        "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL", "FLOAT16",
        "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ",
        "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1", "FLOAT8E8M0", "UINT2", "INT2",
        "FLOAT6E2M3", "FLOAT6E3M2",
    ]
    return names.indices.contains(Int(type)) ? names[Int(type)] : "data type \(type)"
}

/// ONNX data type codes the importer decodes.
enum ONNXDataType {
    static let float: Int32 = 1
    static let int32: Int32 = 6
    static let int64: Int32 = 7
    static let bool: Int32 = 9
    static let double: Int32 = 11
}

extension ConstantTensor {
    /// Decodes `proto`: FLOAT from `raw_data` or `float_data`; INT64, INT32 and BOOL (shape
    /// computations, flags) from `raw_data` or their typed fields. Throws the reason as a string
    /// for the caller to place.
    init(_ proto: Onnx_TensorProto) throws(ConstantDecodingError) {
        if proto.dataLocation == .external {
            throw ConstantDecodingError("is stored in external data, which is not supported (save the model with its weights inside)")
        }
        if proto.hasSegment {
            throw ConstantDecodingError("is a segment of a larger tensor, which is not supported")
        }
        var dims: [Int] = []
        for d in proto.dims {
            guard d >= 0 else { throw ConstantDecodingError("has a negative dimension \(d)") }
            dims.append(Int(d))
        }
        let count = dims.reduce(1, *)
        let raw = proto.hasRawData ? [UInt8](proto.rawData) : nil
        switch proto.dataType {
        case ONNXDataType.float:
            let values = try raw.map { r throws(ConstantDecodingError) in try littleEndian(r, count, UInt32.self) { Float(bitPattern: $0) } }
                ?? proto.floatData
            try checkCount(values.count, count)
            self.init(dims: dims, elements: .float(values))
        case ONNXDataType.int64:
            let values = try raw.map { r throws(ConstantDecodingError) in try littleEndian(r, count, UInt64.self) { Int64(bitPattern: $0) } }
                ?? proto.int64Data
            try checkCount(values.count, count)
            self.init(dims: dims, integers: values)
        case ONNXDataType.int32:
            let values = try raw.map { r throws(ConstantDecodingError) in
                try littleEndian(r, count, UInt32.self) { Int64(Int32(bitPattern: $0)) }
            } ?? proto.int32Data.map { Int64($0) }
            try checkCount(values.count, count)
            self.init(dims: dims, integers: values)
        case ONNXDataType.bool:
            let values = try raw.map { r throws(ConstantDecodingError) in try littleEndian(r, count, UInt8.self) { Int64($0 != 0 ? 1 : 0) } }
                ?? proto.int32Data.map { Int64($0 != 0 ? 1 : 0) }
            try checkCount(values.count, count)
            self.init(dims: dims, integers: values)
        default:
            throw ConstantDecodingError(
                "has data type \(onnxDataTypeName(proto.dataType)), which is not supported (FLOAT weights; INT64, INT32 or BOOL for shapes and flags)")
        }
    }
}

/// Why a `TensorProto` could not be decoded (the caller names the tensor).
struct ConstantDecodingError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

private func checkCount(_ actual: Int, _ expected: Int) throws(ConstantDecodingError) {
    if actual != expected {
        throw ConstantDecodingError("holds \(actual) elements, but its dims need \(expected)")
    }
}

/// `count` little-endian values of `Bits` from `raw`, each converted by `convert`.
private func littleEndian<Bits: FixedWidthInteger & UnsignedInteger, T>(
    _ raw: [UInt8], _ count: Int, _: Bits.Type, _ convert: (Bits) -> T
) throws(ConstantDecodingError) -> [T] {
    let width = MemoryLayout<Bits>.size
    guard raw.count == count * width else {
        throw ConstantDecodingError("raw_data holds \(raw.count) bytes, but \(count) elements of \(width) bytes need \(count * width)")
    }
    return raw.withUnsafeBytes { bytes in
        (0..<count).map { convert(Bits(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * width, as: Bits.self))) }
    }
}
