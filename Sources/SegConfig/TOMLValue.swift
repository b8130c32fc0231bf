/// One TOML value as parsed, with the line it was written on (for error messages).
public struct TOMLValue: Equatable, Sendable {
    /// The value itself. Arrays hold scalars; tables come from `[header]`s and dotted keys.
    public enum Kind: Equatable, Sendable {
        case string(String)
        case integer(Int64)
        /// Always finite: `inf` and `nan` are refused when parsing.
        case float(Double)
        case boolean(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public var kind: Kind
    /// The 1-based line the value starts on (for a table: its header, or its first dotted key).
    public var line: Int

    public init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    /// The value's TOML type with an article, for "expected ..., got ..." messages.
    public var typeName: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .array: "an array"
        case .table: "a table"
        }
    }

    /// The value written back as TOML (tables as `{...}`), for messages: `"foo"`, `12`, `[1, 2]`.
    public var literal: String {
        switch kind {
        case .string(let text): return quotedTOMLString(text)
        case .integer(let value): return "\(value)"
        case .float(let value): return "\(value)"
        case .boolean(let value): return value ? "true" : "false"
        case .array(let elements):
            var text = "["
            for (index, element) in elements.enumerated() {
                if index > 0 { text += ", " }
                text += element.literal
            }
            return text + "]"
        case .table: return "{...}"
        }
    }
}

/// A TOML table: its keys in the order they were written. Lookup is linear: configuration tables
/// have a handful of keys, and an array keeps the type free of hashing (Embedded-friendly).
public struct TOMLTable: Equatable, Sendable {
    /// One `key = value` of the table (or a sub-table, as a `.table` value).
    public struct Entry: Equatable, Sendable {
        public var key: String
        public var value: TOMLValue
    }

    /// How a table came to exist; TOML allows defining each table once, and only in one way.
    enum Definition: Equatable, Sendable {
        /// Created as the parent of a `[header]` or of a dotted key; may still be defined by a header.
        case implicit
        /// Defined by its own `[header]`.
        case header
        /// Defined by dotted keys (`a.b = 1` defines table `a`).
        case dotted
    }

    public private(set) var entries: [Entry] = []
    var definition: Definition

    init(definition: Definition) {
        self.definition = definition
    }

    /// The value stored under `key`, if any.
    public subscript(key: String) -> TOMLValue? {
        entries.first { $0.key == key }?.value
    }

    func index(of key: String) -> Int? {
        entries.firstIndex { $0.key == key }
    }

    mutating func append(_ key: String, _ value: TOMLValue) {
        entries.append(Entry(key: key, value: value))
    }

    mutating func replaceValue(at index: Int, with value: TOMLValue) {
        entries[index].value = value
    }
}

/// `text` as a TOML basic string, with quotes, backslashes and control characters escaped.
func quotedTOMLString(_ text: String) -> String {
    var bytes: [UInt8] = [UInt8(ascii: "\"")]
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case 0..<0x20, 0x7F:
            let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
            bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                      digits[Int(byte >> 4)], digits[Int(byte & 15)]]
        default: bytes.append(byte)
        }
    }
    bytes.append(UInt8(ascii: "\""))
    return String(decoding: bytes, as: UTF8.self)
}
