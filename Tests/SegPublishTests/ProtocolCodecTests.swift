import SegPublish
import Testing

@Suite struct ProtocolCodecTests {
    @Test func everyMessageRoundTripsWholeAndByteByByte() {
        var random = ProtocolTestRandom(seed: 1)
        for message in sampleMessages() {
            let bytes = encoded(message)
            #expect(Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24 == bytes.count - WireFormat.headerLength)
            for chunk in [bytes.count, 1] {
                var parser = MessageParser(maximumPayloadLength: WireFormat.maximumServerPayloadLength)
                let (messages, error) = parseAll(bytes, &parser, chunk: chunk, random: &random)
                #expect(error == nil)
                #expect(messages == [message])
            }
        }
    }

    @Test func aStreamOfMessagesSplitsAtRandomPoints() {
        var random = ProtocolTestRandom(seed: 2)
        let messages = (0..<200).map { _ in sampleMessages()[random.below(sampleMessages().count)] }
        let stream = messages.flatMap(encoded)
        var parser = MessageParser(maximumPayloadLength: WireFormat.maximumServerPayloadLength)
        let (parsed, error) = parseAll(stream, &parser, chunk: 0, random: &random)
        #expect(error == nil)
        #expect(parsed == messages)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func subscribeLayoutIsAsDocumented() {
        let bytes = encoded(.subscribe(version: 1, options: SubscriptionOptions(every: 5, encoding: .runLength, downscale: 4)))
        #expect(bytes == [2, 0, 0, 0, 8, 0, 0, 0, 1, 0, 1, 4, 5, 0, 0, 0])
    }

    @Test func outOfRangeSubscribeOptionsDecodeAsNil() throws {
        for (encoding, downscale, every) in [(2, 1, 1), (0, 0, 1), (0, 9, 1), (0, 1, 0), (0, 1, 1_000_001)] as [(UInt8, UInt8, UInt32)] {
            let payload: [UInt8] = [1, 0, encoding, downscale] + (0..<4).map { UInt8(truncatingIfNeeded: every >> UInt32(8 * $0)) }
            let message = try payload.withUnsafeBytes { try WireMessage.decode(type: MessageType.subscribe.rawValue, payload: $0) }
            #expect(message == .subscribe(version: 1, options: nil))
        }
    }

    @Test func trailingBytesFromALaterVersionAreIgnored() throws {
        var payload = Array(encoded(.statusRequest(version: 2)).dropFirst(WireFormat.headerLength))
        payload += [9, 9, 9]
        let message = try payload.withUnsafeBytes { try WireMessage.decode(type: MessageType.statusRequest.rawValue, payload: $0) }
        #expect(message == .statusRequest(version: 2))
    }

    @Test func versionNegotiationPicksTheNewestCommonVersion() {
        let model = PublishedModel(modelID: "m", classNames: ["a"], maskWidth: 1, maskHeight: 1)
        let hello = ServerHello(minimumVersion: 1, maximumVersion: 3, serverName: "s", serverVersion: "v", model: model, ringPath: nil)
        #expect(hello.negotiatedVersion(clientMinimum: 1, clientMaximum: 1) == 1)
        #expect(hello.negotiatedVersion(clientMinimum: 2, clientMaximum: 5) == 3)
        #expect(hello.negotiatedVersion(clientMinimum: 4, clientMaximum: 5) == nil)
    }

    @Test func oversizedHeaderPoisonsTheStream() {
        var parser = MessageParser(maximumPayloadLength: 100)
        let header: [UInt8] = [4, 0, 0, 0, 101, 0, 0, 0]
        _ = header.withUnsafeBytes { parser.append($0) }
        #expect(throws: ProtocolError.messageTooLarge(type: 4, length: 101, limit: 100)) { try parser.next() }
        #expect(throws: ProtocolError.messageTooLarge(type: 4, length: 101, limit: 100)) { try parser.next() }
    }

    @Test func unknownTypeIsSkippedWithAnError() throws {
        var parser = MessageParser(maximumPayloadLength: 100)
        let bytes: [UInt8] = [99, 0, 0, 0, 2, 0, 0, 0, 7, 7] + encoded(.bye)
        _ = bytes.withUnsafeBytes { parser.append($0) }
        #expect(throws: ProtocolError.unknownMessageType(99)) { try parser.next() }
        #expect(try parser.next() == .bye)
    }
}
