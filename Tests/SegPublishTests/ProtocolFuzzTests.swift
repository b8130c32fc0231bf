import SegPublish
import Testing

/// The parser and decoders fed random and mutated bytes: nothing may trap, and the parser's
/// buffer never exceeds its bound. Release runs 100k inputs per test, debug 10k.
@Suite struct ProtocolFuzzTests {
    #if DEBUG
    static let inputs = 10_000
    #else
    static let inputs = 100_000
    #endif

    @Test func mutatedAndRandomStreamsNeverTrapAndStayBounded() {
        var random = ProtocolTestRandom(seed: 0x5E6D_F022)
        let valid = sampleMessages().map(encoded)
        var messages = 0, errors = 0
        for input in 0..<Self.inputs {
            var bytes = valid[random.below(valid.count)]
            switch input % 5 {
            case 0:  // byte flips
                for _ in 0..<(1 + random.below(4)) { bytes[random.below(bytes.count)] ^= UInt8(1 + random.below(255)) }
            case 1:  // truncation, then another message
                bytes = Array(bytes.prefix(random.below(bytes.count))) + valid[random.below(valid.count)]
            case 2:  // huge or odd length field
                let length = [UInt32.max, UInt32.max / 2, 1 << 24, 4097, UInt32(random.below(64))][random.below(5)]
                for index in 0..<4 { bytes[4 + index] = UInt8(truncatingIfNeeded: length >> UInt32(8 * index)) }
            case 3:  // random junk
                bytes = random.bytes(random.below(600))
            default:  // a valid header with a junk payload of a known type
                let junk = random.bytes(random.below(300))
                bytes = [UInt8(1 + random.below(8)), 0, 0, 0, UInt8(junk.count & 0xFF), UInt8(junk.count >> 8), 0, 0] + junk
            }
            // Alternate the server's limit and a client's (kept small enough to run quickly).
            var parser = MessageParser(maximumPayloadLength: input % 2 == 0 ? WireFormat.maximumClientPayloadLength : 1 << 20)
            let (parsed, error) = parseAll(bytes, &parser, chunk: 0, random: &random)
            messages += parsed.count
            if error != nil { errors += 1 }
            #expect(parser.bufferCapacity <= parser.bufferLimit)
        }
        #expect(messages > 0 && errors > 0)
    }

    @Test func runLengthDecoderSurvivesJunk() {
        var random = ProtocolTestRandom(seed: 7)
        var output = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<Self.inputs {
            let data = random.bytes(random.below(64) * 3 + (random.below(4) == 0 ? random.below(3) : 0))
            let pixels = random.below(output.count)
            output.withUnsafeMutableBytes { target in
                _ = try? data.withUnsafeBytes { try RunLengthMask.decode($0, into: UnsafeMutableRawBufferPointer(rebasing: target[0..<pixels])) }
            }
        }
    }
}
