/// A model that cannot be imported: malformed, or using an op, attribute or data type the engine
/// does not support. The message names where the problem is, e.g.
/// `node "r1" (Resize): attribute "mode" = "cubic" is not supported (linear, nearest)`.
public struct ModelImportError: Error, Equatable, CustomStringConvertible {
    /// The offending node's name (its first output's name when the node has none); nil for
    /// problems of the model as a whole (its bytes, graph inputs or outputs).
    public let node: String?
    /// The offending node's op type; nil when `node` is.
    public let opType: String?
    /// What inside the node or model is refused, as the message writes it: `attribute "auto_pad"`,
    /// `input "scales"`, `graph input "image"`; nil when it is the node (or model) itself.
    public let subject: String?
    /// Why, including the refused value where there is one.
    public let reason: String

    /// An error about `subject` of node `node` (of type `opType`), or of the model when `node` is nil.
    public init(node: String?, opType: String?, subject: String?, reason: String) {
        self.node = node
        self.opType = opType
        self.subject = subject
        self.reason = reason
    }

    /// A problem of the model as a whole, not of one node.
    static func model(_ subject: String?, _ reason: String) -> ModelImportError {
        ModelImportError(node: nil, opType: nil, subject: subject, reason: reason)
    }

    public var description: String {
        let place = node.map { "node \"\($0)\" (\(opType ?? "?"))" } ?? "model"
        guard let subject else { return "\(place): \(reason)" }
        return "\(place): \(subject) \(reason)"
    }
}
