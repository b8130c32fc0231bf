import SegConfig
import Testing

/// The value at a dotted path of a parsed document (test helper).
private func value(_ table: TOMLTable, _ path: String...) -> TOMLValue.Kind? {
    var current = table
    for (index, key) in path.enumerated() {
        guard let found = current[key] else { return nil }
        if index == path.count - 1 { return found.kind }
        guard case .table(let next) = found.kind else { return nil }
        current = next
    }
    return nil
}

/// Parses `text` expecting a `ConfigError` at `key` and `line` whose message contains `message`.
private func expectError(_ text: String, key: String, line: Int, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let table = try TOMLTable(parsing: text)
        Issue.record("parsed, expected an error: \(table)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.key == key, sourceLocation: sourceLocation)
        #expect(error.line == line, sourceLocation: sourceLocation)
        #expect(error.message.contains(message), "\(error.message)", sourceLocation: sourceLocation)
    }
}

@Suite struct TOMLParserTests {
    @Test func commentsBlankLinesAndCRLF() throws {
        let table = try TOMLTable(parsing: "# header comment\r\n\r\n  a = 1 # trailing\r\n\tb = 2\r\n# end")
        #expect(value(table, "a") == .integer(1))
        #expect(value(table, "b") == .integer(2))
        #expect(table.entries.map(\.key) == ["a", "b"])
        #expect(table["b"]?.line == 4)
    }

    @Test func tablesAndKeys() throws {
        let text = """
            top = true
            [a]
            x = 1
            [a.b]
            "quoted key" = 2
            'literal.key' = 3
            [ c . "d e" ]
            bare-key_9 = 4
            """
        let table = try TOMLTable(parsing: text)
        #expect(value(table, "top") == .boolean(true))
        #expect(value(table, "a", "x") == .integer(1))
        #expect(value(table, "a", "b", "quoted key") == .integer(2))
        #expect(value(table, "a", "b", "literal.key") == .integer(3))
        #expect(value(table, "c", "d e", "bare-key_9") == .integer(4))
        #expect(table["a"]?.line == 2)
        #expect(table["c"]?.line == 7)
    }

    @Test func dottedKeysCreateTables() throws {
        let table = try TOMLTable(parsing: "[s]\nx.y = 1\nx.z = \"v\"\n[s.x.w]\nk = 2")
        #expect(value(table, "s", "x", "y") == .integer(1))
        #expect(value(table, "s", "x", "z") == .string("v"))
        #expect(value(table, "s", "x", "w", "k") == .integer(2))
    }

    @Test func parentDefinedAfterChild() throws {
        let table = try TOMLTable(parsing: "[a.b]\nx = 1\n[a]\ny = 2")
        #expect(value(table, "a", "b", "x") == .integer(1))
        #expect(value(table, "a", "y") == .integer(2))
        #expect(table["a"]?.line == 3)
    }

    @Test func strings() throws {
        let table = try TOMLTable(parsing: #"""
            basic = "tab\there \"q\" back\\slash nl\n e\u00E9 \U0001F600 \b\f\r"
            literal = 'C:\dir\n "as is"'
            empty = ""
            utf8 = "grüße"
            """#)
        #expect(value(table, "basic") == .string("tab\there \"q\" back\\slash nl\n e\u{E9} \u{1F600} \u{8}\u{C}\r"))
        #expect(value(table, "literal") == .string(#"C:\dir\n "as is""#))
        #expect(value(table, "empty") == .string(""))
        #expect(value(table, "utf8") == .string("grüße"))
    }

    @Test func integers() throws {
        let table = try TOMLTable(parsing: """
            zero = 0
            plus = +17
            minus = -17
            grouped = 1_000_000
            max = 9223372036854775807
            min = -9223372036854775808
            negzero = -0
            """)
        #expect(value(table, "zero") == .integer(0))
        #expect(value(table, "plus") == .integer(17))
        #expect(value(table, "minus") == .integer(-17))
        #expect(value(table, "grouped") == .integer(1_000_000))
        #expect(value(table, "max") == .integer(Int64.max))
        #expect(value(table, "min") == .integer(Int64.min))
        #expect(value(table, "negzero") == .integer(0))
    }

    @Test func floats() throws {
        let table = try TOMLTable(parsing: """
            a = 1.5
            b = -0.25
            c = 1e3
            d = 6.02E+23
            e = 1_000.5
            f = 3e-2
            g = +0.0
            h = 99.99
            i = 0.5e01
            j = 1e37
            k = 1e-22
            l = 123456789012345.6
            m = -0.0
            n = 0e99
            o = 1_0.0_1e1_0
            """)
        #expect(value(table, "a") == .float(1.5))
        #expect(value(table, "b") == .float(-0.25))
        #expect(value(table, "c") == .float(1000))
        #expect(value(table, "d") == .float(6.02e23))
        #expect(value(table, "e") == .float(1000.5))
        #expect(value(table, "f") == .float(0.03))
        #expect(value(table, "g") == .float(0))
        #expect(value(table, "h") == .float(99.99))
        #expect(value(table, "i") == .float(5))
        #expect(value(table, "j") == .float(1e37))
        #expect(value(table, "k") == .float(1e-22))
        #expect(value(table, "l") == .float(123456789012345.6))
        guard case .float(let negativeZero)? = value(table, "m") else { Issue.record("m"); return }
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
        #expect(value(table, "n") == .float(0))
        #expect(value(table, "o") == .float(10.01e10))
    }

    /// The float conversion is exact: it agrees with the C library's correctly rounded `strtod`
    /// (behind `Double(String)`) on every decimal it accepts.
    @Test func floatsAreCorrectlyRounded() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        for _ in 0..<5000 {
            let significand = next() % 1_000_000_000_000_000
            let exponent = Int(next() % 45) - 22
            let text = "\(significand)e\(exponent)"
            let table = try TOMLTable(parsing: "x = \(text)")
            #expect(value(table, "x") == .float(Double(text)!), "\(text)")
            let digits = String(significand)
            let point = Int(next() % UInt64(digits.count))
            let fraction = "\(digits.prefix(point).isEmpty ? "0" : String(digits.prefix(point))).\(digits.dropFirst(point))"
            let decimal = try TOMLTable(parsing: "x = \(fraction)")
            #expect(value(decimal, "x") == .float(Double(fraction)!), "\(fraction)")
        }
    }

    @Test func arrays() throws {
        let table = try TOMLTable(parsing: """
            empty = []
            one = [ "a" ]
            multi = [
                "x",   # first
                # a comment line
                'y',
            ]
            numbers = [1, 2.5, true]
            nested = [[1], []]
            after = 1
            """)
        #expect(value(table, "empty") == .array([]))
        #expect(value(table, "one") == .array([TOMLValue(.string("a"), line: 2)]))
        #expect(value(table, "multi") == .array([TOMLValue(.string("x"), line: 4), TOMLValue(.string("y"), line: 6)]))
        #expect(table["multi"]?.line == 3)
        #expect(value(table, "numbers") == .array([
            TOMLValue(.integer(1), line: 8), TOMLValue(.float(2.5), line: 8), TOMLValue(.boolean(true), line: 8),
        ]))
        #expect(value(table, "nested") == .array([
            TOMLValue(.array([TOMLValue(.integer(1), line: 9)]), line: 9), TOMLValue(.array([]), line: 9),
        ]))
        #expect(table["after"]?.line == 10)
    }

    @Test func literalsForMessages() {
        #expect(TOMLValue(.string("a\"b\\c\n\u{1}"), line: 1).literal == #""a\"b\\c\n\u0001""#)
        #expect(TOMLValue(.array([TOMLValue(.integer(-3), line: 1), TOMLValue(.boolean(false), line: 1)]), line: 1).literal == "[-3, false]")
        #expect(TOMLValue(.float(0.5), line: 1).literal == "0.5")
    }

    @Test func duplicates() {
        expectError("a = 1\na = 2", key: "a", line: 2, "duplicate key (first set at line 1)")
        expectError("[t]\nk = 1\n\n[t]\n", key: "t", line: 4, "table [t] is defined twice (first at line 1)")
        expectError("[t]\nk = 1\n[t.k]", key: "t.k", line: 3, "already set to an integer at line 2, not a table")
        expectError("[t]\nk = 1\n[t.k.z]", key: "t.k", line: 3, "already set to an integer at line 2, not a table")
        expectError("[t]\nx.y = 1\n[t.x]", key: "t.x", line: 3, "table [t.x] is already defined by dotted keys at line 2")
        expectError("[t.x]\n[t]\nx.y = 1", key: "t.x.y", line: 3, "table [t.x] is defined by a header (line 1); dotted keys cannot add to it")
        expectError("[t]\nx.y = 1\nx.y = 2", key: "t.x.y", line: 3, "duplicate key (first set at line 2)")
        expectError("[t]\nx = 1\nx.y = 2", key: "t.x", line: 3, "already set to an integer at line 2, not a table")
        expectError("t = 1\n[t]", key: "t", line: 2, "already set to an integer at line 1, not a table")
        expectError("\"a\" = 1\na = 2", key: "a", line: 2, "duplicate key")
    }

    @Test func numberErrors() {
        expectError("n = 01", key: "n", line: 1, "leading zeros are not allowed, got 01")
        expectError("n = 1__0", key: "n", line: 1, "invalid number 1__0")
        expectError("n = _1", key: "n", line: 1, "expected a value, found _1 (strings need quotes)")
        expectError("n = 1_", key: "n", line: 1, "invalid number 1_")
        expectError("n = 0x1F", key: "n", line: 1, "only decimal integers are supported, got 0x1F")
        expectError("n = 9223372036854775808", key: "n", line: 1, "integer 9223372036854775808 does not fit in 64 bits")
        expectError("n = -9223372036854775809", key: "n", line: 1, "does not fit in 64 bits")
        expectError("n = 1.", key: "n", line: 1, "invalid number 1.")
        expectError("n = .5", key: "n", line: 1, "expected a value, found .5")
        expectError("n = 1.e3", key: "n", line: 1, "invalid number 1.e3")
        expectError("n = 1e", key: "n", line: 1, "invalid number 1e")
        expectError("n = 00.5", key: "n", line: 1, "leading zeros are not allowed")
        let unsupported = "is not supported: at most 15 significant digits and magnitudes from 1e-22 to 1e37"
        expectError("n = 1e400", key: "n", line: 1, "float 1e400 \(unsupported)")
        expectError("n = 1e-30", key: "n", line: 1, "float 1e-30 \(unsupported)")
        expectError("n = 1e38", key: "n", line: 1, "float 1e38 \(unsupported)")
        expectError("n = 0.30000000000000004", key: "n", line: 1, "float 0.30000000000000004 \(unsupported)")
        expectError("n = 1e99999999999999999999", key: "n", line: 1, "float 1e99999999999999999999 \(unsupported)")
        expectError("n = inf", key: "n", line: 1, "expected a finite number, got inf")
        expectError("n = -inf", key: "n", line: 1, "expected a finite number, got -inf")
        expectError("n = +nan", key: "n", line: 1, "expected a finite number, got +nan")
        expectError("n = 1979-05-27", key: "n", line: 1, "dates and times are not supported, got 1979-05-27")
        expectError("n = 07:32:00", key: "n", line: 1, "dates and times are not supported")
    }

    @Test func syntaxErrors() {
        expectError("[s]\nname = foo", key: "s.name", line: 2, "expected a value, found foo (strings need quotes)")
        expectError("\n\nk \"v\"", key: "k", line: 3, "expected '=' after the key, found '\"'")
        expectError("k = 1 2", key: "k", line: 1, "expected the end of the line, found '2'")
        expectError("k = ", key: "k", line: 1, "expected a value, found the end of the file")
        expectError("k =\nv", key: "k", line: 1, "expected a value, found the end of the line")
        expectError("= 1", key: "", line: 1, "expected a key, found '='")
        expectError("[s]\na. = 1", key: "s.a", line: 2, "expected a key, found '='")
        expectError("[s\nk = 1", key: "s", line: 1, "expected ']' to close the table header, found the end of the line")
        expectError("[s] x", key: "s", line: 1, "expected the end of the line, found 'x'")
        expectError("[[s]]", key: "", line: 1, "arrays of tables ([[...]]) are not supported")
        expectError("k = {a = 1}", key: "k", line: 1, "inline tables ({...}) are not supported")
        expectError("k = \"\"\"x\"\"\"", key: "k", line: 1, "multi-line strings (\"\"\") are not supported")
        expectError("k = '''x'''", key: "k", line: 1, "multi-line strings (''') are not supported")
        expectError("k = \"open\nx = 1", key: "k", line: 1, "string is not closed with '\"' on this line")
        expectError("k = 'open", key: "k", line: 1, "string is not closed with \"'\" on this line")
        expectError(#"k = "\q""#, key: "k", line: 1, #"invalid escape \'q' in string"#)
        expectError(#"k = "\u12""#, key: "k", line: 1, #"\u needs 4 hex digits"#)
        expectError(#"k = "\uD800""#, key: "k", line: 1, "escape is not a Unicode scalar value")
        expectError("k = \"a\u{1}b\"", key: "k", line: 1, "control character byte 0x01 in string")
        expectError("k = [1, 2", key: "k", line: 1, "array opened on this line is never closed with ']'")
        expectError("k = [1 2]", key: "k", line: 1, "expected ',' or ']' in the array, found '2'")
        expectError("k = [,]", key: "k[0]", line: 1, "expected a value, found ','")
        expectError("k = [\n 1,\n x]", key: "k[1]", line: 3, "expected a value, found x")
        expectError("a = 1\rb = 2", key: "", line: 1, "carriage return without a following line feed")
    }
}
