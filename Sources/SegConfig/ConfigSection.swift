/// One `[section]` of the configuration file as a typed value. Adding a section to the file is a
/// type conforming to this protocol (its keys are properties initialized to their defaults, so
/// `init()` gives the defaults, and `read(from:)` reads each one) plus a property of
/// `SegConfiguration` and one `read` line in `SegConfiguration.parse`.
public protocol ConfigSection: Sendable {
    /// The table name in the file, without brackets (`"engine"`).
    static var name: String { get }
    /// Overwrites each property whose key the table sets. Every key the section knows must be
    /// read here: keys that were not asked for are refused as unknown afterwards.
    mutating func read(from reader: inout SectionReader) throws(ConfigError)
}

/// Reads the keys of one table into typed properties, checking type and range and naming the
/// dotted key and line in every error. Keys absent from the table leave the property unchanged
/// (at its default). Remembers the keys asked for, so that `finish()` can refuse the others.
public struct SectionReader {
    /// The section's table name (`engine`).
    public let section: String
    let table: TOMLTable
    private(set) var knownKeys: [String] = []

    init(section: String, table: TOMLTable) {
        self.section = section
        self.table = table
    }

    /// A string.
    public mutating func read(_ key: String, into value: inout String) throws(ConfigError) {
        guard let found = lookUp(key) else { return }
        guard case .string(let text) = found.kind else { throw wrongType(key, found, expected: "a string") }
        value = text
    }

    /// A boolean.
    public mutating func read(_ key: String, into value: inout Bool) throws(ConfigError) {
        guard let found = lookUp(key) else { return }
        guard case .boolean(let flag) = found.kind else { throw wrongType(key, found, expected: "a boolean") }
        value = flag
    }

    /// An integer within `range`.
    public mutating func read(_ key: String, into value: inout Int, in range: ClosedRange<Int>) throws(ConfigError) {
        guard let found = lookUp(key) else { return }
        guard case .integer(let number) = found.kind else { throw wrongType(key, found, expected: "an integer") }
        guard number >= Int64(range.lowerBound) && number <= Int64(range.upperBound) else {
            throw ConfigError(key: fullKey(key), line: found.line, message: "must be in \(range.lowerBound)...\(range.upperBound), got \(number)")
        }
        value = Int(number)
    }

    /// A number (an integer is taken as the equal float) for which `isValid` holds; otherwise the
    /// error says the value "must be `requirement`".
    public mutating func read(
        _ key: String, into value: inout Double, requirement: String, where isValid: (Double) -> Bool
    ) throws(ConfigError) {
        guard let found = lookUp(key) else { return }
        let number: Double
        switch found.kind {
        case .float(let float): number = float
        case .integer(let integer): number = Double(integer)
        default: throw wrongType(key, found, expected: "a number")
        }
        guard isValid(number) else {
            throw ConfigError(key: fullKey(key), line: found.line, message: "must be \(requirement), got \(found.literal)")
        }
        value = number
    }

    /// A string that must be the raw value of one of `Choice`'s cases.
    public mutating func read<Choice: CaseIterable & RawRepresentable>(
        _ key: String, into value: inout Choice
    ) throws(ConfigError) where Choice.RawValue == String {
        guard let found = lookUp(key) else { return }
        var choices = ""
        for choice in Choice.allCases {
            if !choices.isEmpty { choices += ", " }
            choices += quotedTOMLString(choice.rawValue)
        }
        guard case .string(let text) = found.kind else { throw wrongType(key, found, expected: "one of \(choices)") }
        guard let choice = Choice(rawValue: text) else {
            throw ConfigError(key: fullKey(key), line: found.line, message: "expected one of \(choices), got \(found.literal)")
        }
        value = choice
    }

    /// An array of distinct, non-empty strings.
    public mutating func read(_ key: String, into value: inout [String]) throws(ConfigError) {
        guard let found = lookUp(key) else { return }
        guard case .array(let elements) = found.kind else { throw wrongType(key, found, expected: "an array of strings") }
        var strings: [String] = []
        for (index, element) in elements.enumerated() {
            let elementKey = "\(key)[\(index)]"
            guard case .string(let text) = element.kind else { throw wrongType(elementKey, element, expected: "a string") }
            guard !text.isEmpty else {
                throw ConfigError(key: fullKey(elementKey), line: element.line, message: "must not be empty")
            }
            if let first = strings.firstIndex(of: text) {
                throw ConfigError(key: fullKey(elementKey), line: element.line, message: "\(element.literal) is already listed at index \(first)")
            }
            strings.append(text)
        }
        value = strings
    }

    /// An array of distinct integers, each within `range`.
    public mutating func read(_ key: String, into value: inout [Int], in range: ClosedRange<Int>) throws(ConfigError) {
        guard let found = lookUp(key) else { return }
        guard case .array(let elements) = found.kind else { throw wrongType(key, found, expected: "an array of integers") }
        var numbers: [Int] = []
        for (index, element) in elements.enumerated() {
            let elementKey = "\(key)[\(index)]"
            guard case .integer(let number) = element.kind else { throw wrongType(elementKey, element, expected: "an integer") }
            guard number >= Int64(range.lowerBound) && number <= Int64(range.upperBound) else {
                throw ConfigError(
                    key: fullKey(elementKey), line: element.line, message: "must be in \(range.lowerBound)...\(range.upperBound), got \(number)")
            }
            if let first = numbers.firstIndex(of: Int(number)) {
                throw ConfigError(key: fullKey(elementKey), line: element.line, message: "\(number) is already listed at index \(first)")
            }
            numbers.append(Int(number))
        }
        value = numbers
    }

    /// An error about `key` of this section, at the key's line (or the section's first line when
    /// the key is not in the file): for rules that relate several keys.
    public func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(key: fullKey(key), line: table[key]?.line ?? table.entries.first?.value.line ?? 0, message: message)
    }

    /// Refuses the first key of the table that no `read` asked for.
    func finish() throws(ConfigError) {
        for entry in table.entries where !knownKeys.contains(entry.key) {
            var known = ""
            for key in knownKeys {
                if !known.isEmpty { known += ", " }
                known += key
            }
            let what = if case .table = entry.value.kind { "unknown table" } else { "unknown key" }
            throw ConfigError(
                key: fullKey(entry.key), line: entry.value.line, message: "\(what) in [\(section)] (known keys: \(known))")
        }
    }

    private mutating func lookUp(_ key: String) -> TOMLValue? {
        knownKeys.append(key)
        return table[key]
    }

    private func fullKey(_ key: String) -> String {
        "\(section).\(key)"
    }

    private func wrongType(_ key: String, _ value: TOMLValue, expected: String) -> ConfigError {
        ConfigError(key: fullKey(key), line: value.line, message: "expected \(expected), got \(value.typeName) \(value.literal)")
    }
}
