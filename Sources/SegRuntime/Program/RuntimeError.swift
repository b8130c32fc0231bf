/// A compiled network the runtime cannot set up: names the layer, its op and why.
public struct RuntimeError: Error, Equatable, CustomStringConvertible {
    public var layer: String
    public var opType: String
    public var message: String

    public init(layer: String, opType: String, message: String) {
        self.layer = layer
        self.opType = opType
        self.message = message
    }

    public var description: String { "layer \"\(layer)\" (\(opType)): \(message)" }
}
