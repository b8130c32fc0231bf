/// A configuration file that cannot be used: a TOML syntax error, or a key whose value is
/// missing, of the wrong type or out of range. Names the key (dotted, e.g. `quantization.method`)
/// and the 1-based line it was written on, so the message points the user at the exact spot.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The dotted key the error is about (`quantization.method`), or the table (`engine`) for
    /// errors about a whole section; empty for syntax errors outside any key.
    public var key: String
    /// The 1-based line number in the file.
    public var line: Int
    /// What is wrong, including the value found where that helps.
    public var message: String
    /// The file the text came from, when known (prefixed to `description`).
    public var fileName: String?

    public init(key: String, line: Int, message: String, fileName: String? = nil) {
        self.key = key
        self.line = line
        self.message = message
        self.fileName = fileName
    }

    /// `segd.toml line 12: quantization.method: expected one of "minmax", ..., got "foo"`.
    public var description: String {
        let place = fileName.map { "\($0) line \(line)" } ?? "line \(line)"
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}
