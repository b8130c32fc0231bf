import Foundation

/// One ONNX node being imported: its name for messages, its attributes (typed, checked against
/// the names the op accepts) and its inputs and outputs with ONNX's empty-name-means-absent rule.
struct ONNXNode {
    let proto: Onnx_NodeProto
    /// The node's name, or its first output's name when it has none.
    let name: String
    /// The model's `ai.onnx` opset version.
    let opset: Int

    init(_ proto: Onnx_NodeProto, opset: Int) {
        self.proto = proto
        self.opset = opset
        name = proto.name.isEmpty ? (proto.output.first ?? "") : proto.name
    }

    var opType: String { proto.opType }

    /// An error about this node: `subject` is e.g. `attribute "pads"`, nil for the node itself.
    func error(_ subject: String?, _ reason: String) -> ModelImportError {
        ModelImportError(node: name, opType: opType, subject: subject, reason: reason)
    }

    /// An error about attribute `attribute`.
    func attributeError(_ attribute: String, _ reason: String) -> ModelImportError {
        error("attribute \"\(attribute)\"", reason)
    }

    /// The name of input `index` if present (ONNX marks an omitted optional input by an empty name).
    func input(_ index: Int) -> String? {
        proto.input.indices.contains(index) && !proto.input[index].isEmpty ? proto.input[index] : nil
    }

    /// The name of output `index` if present.
    func output(_ index: Int) -> String? {
        proto.output.indices.contains(index) && !proto.output[index].isEmpty ? proto.output[index] : nil
    }

    /// Refuses any attribute not in `accepted`: an attribute outside the op's schema has no defined
    /// meaning (onnxruntime refuses such models too).
    func acceptAttributes(_ accepted: [String]) throws(ModelImportError) {
        for a in proto.attribute where !accepted.contains(a.name) {
            let list = accepted.isEmpty ? "none" : accepted.joined(separator: ", ")
            throw attributeError(a.name, "is not supported for \(opType) (accepted: \(list))")
        }
    }

    /// Refuses inputs past `count` (the op's schema in the supported opsets).
    func acceptInputCount(_ count: ClosedRange<Int>) throws(ModelImportError) {
        if !count.contains(proto.input.count) {
            throw error(nil, "has \(proto.input.count) inputs, expected \(count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)")")
        }
    }

    private func attribute(_ name: String, _ type: Onnx_AttributeProto.AttributeType) throws(ModelImportError) -> Onnx_AttributeProto? {
        guard let a = proto.attribute.first(where: { $0.name == name }) else { return nil }
        // Old exporters leave `type` unset; the value field then tells.
        if a.hasType && a.type != .undefined && a.type != type {
            throw attributeError(name, "has type \(typeName(a.type)), expected \(typeName(type))")
        }
        return a
    }

    func int(_ name: String) throws(ModelImportError) -> Int? {
        try attribute(name, .int).map { Int($0.i) }
    }

    func int(_ name: String, default value: Int) throws(ModelImportError) -> Int {
        try int(name) ?? value
    }

    func ints(_ name: String) throws(ModelImportError) -> [Int]? {
        try attribute(name, .ints).map { $0.ints.map { Int($0) } }
    }

    func float(_ name: String) throws(ModelImportError) -> Float? {
        try attribute(name, .float).map(\.f)
    }

    func floats(_ name: String) throws(ModelImportError) -> [Float]? {
        try attribute(name, .floats).map(\.floats)
    }

    func string(_ name: String) throws(ModelImportError) -> String? {
        try attribute(name, .string).map { String(decoding: $0.s, as: UTF8.self) }
    }

    func string(_ name: String, default value: String) throws(ModelImportError) -> String {
        try string(name) ?? value
    }

    func tensor(_ name: String) throws(ModelImportError) -> Onnx_TensorProto? {
        try attribute(name, .tensor).map(\.t)
    }

    /// Integer attribute `name` (default `value`), which must be one of `allowed`.
    func int(_ name: String, default value: Int, allowed: [Int]) throws(ModelImportError) -> Int {
        let v = try int(name, default: value)
        if !allowed.contains(v) {
            throw attributeError(name, "= \(v) is not supported (\(allowed.map(String.init).joined(separator: ", ")))")
        }
        return v
    }

    /// String attribute `name` (default `value`), which must be one of `allowed`.
    func string(_ name: String, default value: String, allowed: [String]) throws(ModelImportError) -> String {
        let v = try string(name, default: value)
        if !allowed.contains(v) {
            throw attributeError(name, "= \"\(v)\" is not supported (\(allowed.joined(separator: ", ")))")
        }
        return v
    }

    /// An `ints` attribute of one value per spatial axis (height, width), `value` when absent.
    func spatialPair(_ name: String, default value: Int, minimum: Int) throws(ModelImportError) -> (Int, Int) {
        guard let v = try ints(name) else { return (value, value) }
        guard v.count == 2 else { throw attributeError(name, "= \(v) needs 2 values (height, width)") }
        guard v.allSatisfy({ $0 >= minimum }) else { throw attributeError(name, "= \(v) must be at least \(minimum)") }
        return (v[0], v[1])
    }
}

private func typeName(_ type: Onnx_AttributeProto.AttributeType) -> String {
    switch type {
    case .undefined: "UNDEFINED"
    case .float: "FLOAT"
    case .int: "INT"
    case .string: "STRING"
    case .tensor: "TENSOR"
    case .graph: "GRAPH"
    case .sparseTensor: "SPARSE_TENSOR"
    case .typeProto: "TYPE_PROTO"
    case .floats: "FLOATS"
    case .ints: "INTS"
    case .strings: "STRINGS"
    case .tensors: "TENSORS"
    case .graphs: "GRAPHS"
    case .sparseTensors: "SPARSE_TENSORS"
    case .typeProtos: "TYPE_PROTOS"
    }
}
