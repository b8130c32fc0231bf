/// One key/value pair of the extensible part of a status (per-stage latency, quantization
/// settings...): both UTF-8, at most `WireFormat.maximumStringLength` bytes.
public struct StatusField: Equatable, Sendable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}
