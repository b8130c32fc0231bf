extension TOMLTable {
    /// Parses a TOML document into its root table.
    ///
    /// The subset a configuration file needs: `#` comments; `[table]` and `[table.sub]` headers;
    /// bare, quoted and dotted keys; basic strings (with `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`
    /// escapes) and literal strings on one line; decimal integers (`+`/`-`, `_` between digits);
    /// floats (fraction and/or exponent) that convert exactly: up to 15 significant digits,
    /// magnitudes from 1e-22 to 1e37, the same value on every platform; booleans; arrays (over
    /// several lines, comments and a trailing comma allowed). Refused with a message naming the
    /// key and line: redefined keys or tables, multi-line strings, inline tables, arrays of
    /// tables, `inf`/`nan`, hex/octal/binary integers, dates and times. `ConfigError.fileName`
    /// is left nil.
    public init(parsing text: String) throws(ConfigError) {
        var parser = TOMLParser(bytes: Array(text.utf8))
        self = try parser.parseDocument()
    }
}

/// A recursive-descent reader over the UTF-8 bytes of one document, tracking the line for messages.
struct TOMLParser {
    let bytes: [UInt8]
    var position = 0
    var line = 1
    var root = TOMLTable(definition: .header)
    /// The path of the last `[header]`: where `key = value` lines go.
    var currentTable: [String] = []

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(ConfigError) -> TOMLTable {
        while true {
            skipSpaces()
            guard let byte = peek() else { return root }
            switch byte {
            case UInt8(ascii: "#"): skipComment()
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): try consumeNewline()
            case UInt8(ascii: "["): try parseHeader()
            default: try parseKeyValue()
            }
        }
    }

    // MARK: Lines

    private mutating func parseHeader() throws(ConfigError) {
        let headerLine = line
        position += 1
        if peek() == UInt8(ascii: "[") {
            throw ConfigError(key: "", line: headerLine, message: "arrays of tables ([[...]]) are not supported")
        }
        let path = try parseKeyPath(context: "")
        let name = joinedKey(path[...])
        skipSpaces()
        guard peek() == UInt8(ascii: "]") else {
            throw ConfigError(key: name, line: line, message: "expected ']' to close the table header, found \(describeNext())")
        }
        position += 1
        try root.defineTable(path[...], prefix: "", line: headerLine)
        currentTable = path
        try expectLineEnd(key: name)
    }

    private mutating func parseKeyValue() throws(ConfigError) {
        let keyLine = line
        let keyPath = try parseKeyPath(context: joinedKey(currentTable[...]))
        let fullKey = dottedKey(joinedKey(currentTable[...]), joinedKey(keyPath[...]))
        skipSpaces()
        guard peek() == UInt8(ascii: "=") else {
            throw ConfigError(key: fullKey, line: keyLine, message: "expected '=' after the key, found \(describeNext())")
        }
        position += 1
        skipSpaces()
        let value = try parseValue(key: fullKey)
        try root.insert(value, tablePath: currentTable[...], keyPath: keyPath[...], prefix: "", fullKey: fullKey)
        try expectLineEnd(key: fullKey)
    }

    /// After a header or value: optional spaces and comment, then a newline or the end.
    private mutating func expectLineEnd(key: String) throws(ConfigError) {
        skipSpaces()
        if peek() == UInt8(ascii: "#") { skipComment() }
        guard let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else { return }
        throw ConfigError(key: key, line: line, message: "expected the end of the line, found \(describeNext())")
    }

    // MARK: Keys

    /// `a`, `"a b"`, `'a'`, or dotted `a.b."c"` with optional spaces around the dots.
    private mutating func parseKeyPath(context: String) throws(ConfigError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            let partContext = parts.isEmpty ? context : dottedKey(context, joinedKey(parts[...]))
            parts.append(try parseSimpleKey(context: partContext))
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return parts }
            position += 1
        }
    }

    private mutating func parseSimpleKey(context: String) throws(ConfigError) -> String {
        switch peek() {
        case UInt8(ascii: "\""): return try parseBasicString(key: context)
        case UInt8(ascii: "'"): return try parseLiteralString(key: context)
        default:
            let start = position
            while let byte = peek(), isBareKeyByte(byte) { position += 1 }
            guard position > start else {
                throw ConfigError(key: context, line: line, message: "expected a key, found \(describeNext())")
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
    }

    // MARK: Values

    private mutating func parseValue(key: String) throws(ConfigError) -> TOMLValue {
        let valueLine = line
        switch peek() {
        case nil:
            throw ConfigError(key: key, line: line, message: "expected a value, found the end of the file")
        case UInt8(ascii: "\""):
            if startsWith("\"\"\"") {
                throw ConfigError(key: key, line: line, message: "multi-line strings (\"\"\") are not supported")
            }
            return TOMLValue(.string(try parseBasicString(key: key)), line: valueLine)
        case UInt8(ascii: "'"):
            if startsWith("'''") {
                throw ConfigError(key: key, line: line, message: "multi-line strings (''') are not supported")
            }
            return TOMLValue(.string(try parseLiteralString(key: key)), line: valueLine)
        case UInt8(ascii: "["):
            return try parseArray(key: key)
        case UInt8(ascii: "{"):
            throw ConfigError(key: key, line: line, message: "inline tables ({...}) are not supported; use a [table] header")
        default:
            return TOMLValue(try parseBareValue(key: key), line: valueLine)
        }
    }

    private mutating func parseArray(key: String) throws(ConfigError) -> TOMLValue {
        let openLine = line
        position += 1
        var elements: [TOMLValue] = []
        while true {
            try skipArrayFiller(key: key, openLine: openLine)
            if peek() == UInt8(ascii: "]") { break }
            elements.append(try parseValue(key: "\(key)[\(elements.count)]"))
            try skipArrayFiller(key: key, openLine: openLine)
            if peek() == UInt8(ascii: ",") {
                position += 1
            } else if peek() != UInt8(ascii: "]") {
                throw ConfigError(key: key, line: line, message: "expected ',' or ']' in the array, found \(describeNext())")
            }
        }
        position += 1
        return TOMLValue(.array(elements), line: openLine)
    }

    /// Spaces, newlines and comments between array elements.
    private mutating func skipArrayFiller(key: String, openLine: Int) throws(ConfigError) {
        while true {
            skipSpaces()
            switch peek() {
            case nil:
                throw ConfigError(key: key, line: openLine, message: "array opened on this line is never closed with ']'")
            case UInt8(ascii: "#"): skipComment()
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): try consumeNewline()
            default: return
            }
        }
    }

    /// Booleans and numbers: a run of `[A-Za-z0-9_+.:-]`, classified afterwards.
    private mutating func parseBareValue(key: String) throws(ConfigError) -> TOMLValue.Kind {
        let start = position
        while let byte = peek(), isBareValueByte(byte) { position += 1 }
        let token = bytes[start..<position]
        let text = String(decoding: token, as: UTF8.self)
        guard !token.isEmpty else {
            throw ConfigError(key: key, line: line, message: "expected a value, found \(describeNext())")
        }
        if text == "true" { return .boolean(true) }
        if text == "false" { return .boolean(false) }
        let negative = token.first == UInt8(ascii: "-")
        let body = token.first == UInt8(ascii: "-") || token.first == UInt8(ascii: "+") ? token.dropFirst() : token
        let bodyText = String(decoding: body, as: UTF8.self)
        if bodyText == "inf" || bodyText == "nan" {
            throw ConfigError(key: key, line: line, message: "expected a finite number, got \(text)")
        }
        guard let first = body.first, isDigit(first) else {
            throw ConfigError(key: key, line: line, message: "expected a value, found \(text) (strings need quotes)")
        }
        if body.count > 1, first == UInt8(ascii: "0"),
            let radix = body.dropFirst().first, radix == UInt8(ascii: "x") || radix == UInt8(ascii: "o") || radix == UInt8(ascii: "b") {
            throw ConfigError(key: key, line: line, message: "only decimal integers are supported, got \(text)")
        }
        if token.contains(UInt8(ascii: ":")) || isDateLike(body) {
            throw ConfigError(key: key, line: line, message: "dates and times are not supported, got \(text)")
        }
        if body.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return .float(try parseFloat(body, negative: negative, text: text, key: key))
        }
        return .integer(try parseInteger(body, negative: negative, text: text, key: key))
    }

    private func parseInteger(_ digits: ArraySlice<UInt8>, negative: Bool, text: String, key: String) throws(ConfigError) -> Int64 {
        try checkDigitRun(digits, leadingZeroAllowed: false, text: text, key: key)
        var value: Int64 = 0
        for byte in digits where byte != UInt8(ascii: "_") {
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (scaled, scaleOverflow) = value.multipliedReportingOverflow(by: 10)
            let (next, addOverflow) = negative ? scaled.subtractingReportingOverflow(digit) : scaled.addingReportingOverflow(digit)
            guard !scaleOverflow, !addOverflow else {
                throw ConfigError(key: key, line: line, message: "integer \(text) does not fit in 64 bits")
            }
            value = next
        }
        return value
    }

    /// `int ('.' digits)? ([eE] [+-]? digits)?` with a fraction or an exponent, `_` between digits.
    private func parseFloat(_ body: ArraySlice<UInt8>, negative: Bool, text: String, key: String) throws(ConfigError) -> Double {
        let exponentIndex = body.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        let mantissa = body[body.startIndex..<(exponentIndex ?? body.endIndex)]
        let pointIndex = mantissa.firstIndex(of: UInt8(ascii: "."))
        try checkDigitRun(mantissa[mantissa.startIndex..<(pointIndex ?? mantissa.endIndex)], leadingZeroAllowed: false, text: text, key: key)
        if let pointIndex {
            try checkDigitRun(mantissa[(pointIndex + 1)...], leadingZeroAllowed: true, text: text, key: key)
        }
        if let exponentIndex {
            var exponent = body[(exponentIndex + 1)...]
            if exponent.first == UInt8(ascii: "+") || exponent.first == UInt8(ascii: "-") { exponent = exponent.dropFirst() }
            try checkDigitRun(exponent, leadingZeroAllowed: true, text: text, key: key)
        }
        let magnitude = exactDecimal(
            digits: mantissa.filter { $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: ".") },
            fractionDigits: pointIndex.map { mantissa[($0 + 1)...].filter { $0 != UInt8(ascii: "_") }.count } ?? 0,
            exponent: exponentIndex.map { body[($0 + 1)...].filter { $0 != UInt8(ascii: "_") } } ?? [])
        guard let magnitude else {
            throw ConfigError(
                key: key, line: line,
                message: "float \(text) is not supported: at most 15 significant digits and magnitudes from 1e-22 to 1e37")
        }
        return negative ? -magnitude : magnitude
    }

    /// The decimal `digits` × 10^(`exponent` − `fractionDigits`), converted exactly (correctly
    /// rounded, like `strtod`), or nil when it is outside what one IEEE multiplication or
    /// division can convert exactly: an integer significand up to 2^53 and a power of ten up to
    /// 10^22 (Clinger's fast path). Pure Swift because Embedded Swift has no `strtod`, and the
    /// same code everywhere gives the same value everywhere.
    private func exactDecimal(digits: [UInt8], fractionDigits: Int, exponent exponentText: [UInt8]) -> Double? {
        var exponent = 0
        var exponentDigits = exponentText[...]
        let exponentNegative = exponentDigits.first == UInt8(ascii: "-")
        if exponentDigits.first == UInt8(ascii: "-") || exponentDigits.first == UInt8(ascii: "+") {
            exponentDigits = exponentDigits.dropFirst()
        }
        for byte in exponentDigits {
            exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
            if exponent > 1000 { return nil }
        }
        exponent = (exponentNegative ? -exponent : exponent) - fractionDigits
        var significant = digits.drop { $0 == UInt8(ascii: "0") }
        guard !significant.isEmpty else { return 0 }
        while significant.last == UInt8(ascii: "0") {
            significant.removeLast()
            exponent += 1
        }
        guard significant.count <= 16 else { return nil }
        var significand: UInt64 = 0
        for byte in significant { significand = significand * 10 + UInt64(byte - UInt8(ascii: "0")) }
        let limit: UInt64 = 1 << 53
        while exponent > 22, significand <= limit / 10 {
            significand *= 10
            exponent -= 1
        }
        guard significand <= limit, exponent >= -22, exponent <= 22 else { return nil }
        let powersOfTen: [Double] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
            1e19, 1e20, 1e21, 1e22,
        ]
        return exponent >= 0 ? Double(significand) * powersOfTen[exponent] : Double(significand) / powersOfTen[-exponent]
    }

    /// Digits with single underscores between them; no leading zero unless `leadingZeroAllowed`.
    private func checkDigitRun(_ run: ArraySlice<UInt8>, leadingZeroAllowed: Bool, text: String, key: String) throws(ConfigError) {
        var previousWasDigit = false
        for byte in run {
            if isDigit(byte) {
                previousWasDigit = true
            } else if byte == UInt8(ascii: "_") && previousWasDigit {
                previousWasDigit = false
            } else {
                throw ConfigError(key: key, line: line, message: "invalid number \(text)")
            }
        }
        guard previousWasDigit else {
            throw ConfigError(key: key, line: line, message: "invalid number \(text)")
        }
        if !leadingZeroAllowed, run.count > 1, run.first == UInt8(ascii: "0") {
            throw ConfigError(key: key, line: line, message: "leading zeros are not allowed, got \(text)")
        }
    }

    /// `1979-05-27`: a `-` after the first digit (exponent signs follow an `e`).
    private func isDateLike(_ body: ArraySlice<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for byte in body {
            if byte == UInt8(ascii: "-") && previous != UInt8(ascii: "e") && previous != UInt8(ascii: "E") { return true }
            previous = byte
        }
        return false
    }

    // MARK: Strings

    private mutating func parseBasicString(key: String) throws(ConfigError) -> String {
        position += 1
        var text: [UInt8] = []
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else {
                throw ConfigError(key: key, line: line, message: "string is not closed with '\"' on this line")
            }
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &text, key: key)
            default:
                try checkStringByte(byte, key: key)
                text.append(byte)
            }
        }
    }

    private mutating func parseEscape(into text: inout [UInt8], key: String) throws(ConfigError) {
        guard let byte = peek() else {
            throw ConfigError(key: key, line: line, message: "string is not closed with '\"' on this line")
        }
        position += 1
        switch byte {
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): text.append(byte)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = byte == UInt8(ascii: "u") ? 4 : 8
            var code: UInt32 = 0
            for _ in 0..<count {
                guard let digit = peek().flatMap(hexValue) else {
                    throw ConfigError(key: key, line: line, message: "\\\(byte == UInt8(ascii: "u") ? "u" : "U") needs \(count) hex digits")
                }
                code = code << 4 | UInt32(digit)
                position += 1
            }
            guard let scalar = Unicode.Scalar(code) else {
                throw ConfigError(key: key, line: line, message: "escape is not a Unicode scalar value")
            }
            UTF8.encode(scalar) { text.append($0) }
        default:
            throw ConfigError(key: key, line: line, message: "invalid escape \\\(describeByte(byte)) in string")
        }
    }

    private mutating func parseLiteralString(key: String) throws(ConfigError) -> String {
        position += 1
        let start = position
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else {
                throw ConfigError(key: key, line: line, message: "string is not closed with \"'\" on this line")
            }
            if byte == UInt8(ascii: "'") { break }
            try checkStringByte(byte, key: key)
            position += 1
        }
        position += 1
        return String(decoding: bytes[start..<(position - 1)], as: UTF8.self)
    }

    /// TOML strings may hold tab but no other control character unescaped.
    private func checkStringByte(_ byte: UInt8, key: String) throws(ConfigError) {
        if (byte < 0x20 && byte != 0x09) || byte == 0x7F {
            throw ConfigError(key: key, line: line, message: "control character \(describeByte(byte)) in string; write it as an escape")
        }
    }

    // MARK: Bytes

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private func startsWith(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for index in 0..<count where bytes[position + index] != text.utf8Start[index] { return false }
        return true
    }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { position += 1 }
    }

    private mutating func skipComment() {
        while let byte = peek(), byte != UInt8(ascii: "\n") { position += 1 }
    }

    /// `\n` or `\r\n`.
    private mutating func consumeNewline() throws(ConfigError) {
        if peek() == UInt8(ascii: "\r") {
            position += 1
            guard peek() == UInt8(ascii: "\n") else {
                throw ConfigError(key: "", line: line, message: "carriage return without a following line feed")
            }
        }
        position += 1
        line += 1
    }

    private func describeNext() -> String {
        guard let byte = peek() else { return "the end of the file" }
        if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { return "the end of the line" }
        return describeByte(byte)
    }

    private func describeByte(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(String(decoding: [byte], as: UTF8.self))'" }
        return "byte 0x\(byte < 16 ? "0" : "")\(String(byte, radix: 16, uppercase: true))"
    }
}

private func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
}

private func isBareKeyByte(_ byte: UInt8) -> Bool {
    isDigit(byte) || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z"))
        || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
}

private func isBareValueByte(_ byte: UInt8) -> Bool {
    isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    if isDigit(byte) { return byte - UInt8(ascii: "0") }
    let lower = byte | 0x20
    if lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "f") { return lower - UInt8(ascii: "a") + 10 }
    return nil
}

/// `a.b.c`, as messages name keys.
func joinedKey(_ parts: ArraySlice<String>) -> String {
    var text = ""
    for part in parts {
        if !text.isEmpty { text += "." }
        text += part
    }
    return text
}

/// `prefix.key`, or `key` when there is no prefix.
func dottedKey(_ prefix: String, _ key: String) -> String {
    prefix.isEmpty ? key : "\(prefix).\(key)"
}

extension TOMLTable {
    /// Defines the table at `path` for a `[header]` on `line`, creating its parents implicitly.
    mutating func defineTable(_ path: ArraySlice<String>, prefix: String, line: Int) throws(ConfigError) {
        let name = path[path.startIndex]
        let key = dottedKey(prefix, name)
        guard path.count == 1 else {
            try updateSubtable(name, key: key, line: line, creating: .implicit) { (table: inout TOMLTable) throws(ConfigError) in
                try table.defineTable(path.dropFirst(), prefix: key, line: line)
            }
            return
        }
        guard let index = index(of: name) else {
            append(name, TOMLValue(.table(TOMLTable(definition: .header)), line: line))
            return
        }
        let existing = entries[index].value
        guard case .table(var table) = existing.kind else {
            throw ConfigError(key: key, line: line, message: "already set to \(existing.typeName) at line \(existing.line), not a table")
        }
        switch table.definition {
        case .implicit:
            table.definition = .header
            replaceValue(at: index, with: TOMLValue(.table(table), line: line))
        case .header:
            throw ConfigError(key: key, line: line, message: "table [\(key)] is defined twice (first at line \(existing.line))")
        case .dotted:
            throw ConfigError(key: key, line: line, message: "table [\(key)] is already defined by dotted keys at line \(existing.line)")
        }
    }

    /// Stores `value` under `keyPath` in the table at `tablePath` (which `defineTable` created);
    /// the parents of a dotted key are created as dotted tables.
    mutating func insert(
        _ value: TOMLValue, tablePath: ArraySlice<String>, keyPath: ArraySlice<String>, prefix: String, fullKey: String
    ) throws(ConfigError) {
        if let name = tablePath.first {
            let key = dottedKey(prefix, name)
            try updateSubtable(name, key: key, line: value.line, creating: .implicit) { (table: inout TOMLTable) throws(ConfigError) in
                try table.insert(value, tablePath: tablePath.dropFirst(), keyPath: keyPath, prefix: key, fullKey: fullKey)
            }
            return
        }
        let name = keyPath[keyPath.startIndex]
        let key = dottedKey(prefix, name)
        let existing = self[name]
        guard keyPath.count > 1 else {
            if let existing {
                throw ConfigError(key: fullKey, line: value.line, message: "duplicate key (first set at line \(existing.line))")
            }
            append(name, value)
            return
        }
        if let existing, case .table(let table) = existing.kind, table.definition != .dotted {
            throw ConfigError(
                key: fullKey, line: value.line,
                message: "table [\(key)] is defined by a header (line \(existing.line)); dotted keys cannot add to it")
        }
        try updateSubtable(name, key: key, line: value.line, creating: .dotted) { (table: inout TOMLTable) throws(ConfigError) in
            try table.insert(value, tablePath: [], keyPath: keyPath.dropFirst(), prefix: key, fullKey: fullKey)
        }
    }

    /// Applies `body` to the sub-table `name`, first creating it (as `definition`, on `line`) when
    /// absent. Throws when `name` holds a value that is not a table.
    private mutating func updateSubtable(
        _ name: String, key: String, line: Int, creating definition: Definition,
        _ body: (inout TOMLTable) throws(ConfigError) -> Void
    ) throws(ConfigError) {
        let index: Int
        if let found = self.index(of: name) {
            index = found
        } else {
            append(name, TOMLValue(.table(TOMLTable(definition: definition)), line: line))
            index = entries.count - 1
        }
        let existing = entries[index].value
        guard case .table(var table) = existing.kind else {
            throw ConfigError(key: key, line: line, message: "already set to \(existing.typeName) at line \(existing.line), not a table")
        }
        try body(&table)
        replaceValue(at: index, with: TOMLValue(.table(table), line: existing.line))
    }
}
