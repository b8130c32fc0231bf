/// Splits a byte stream into messages. Feed it with `append` or `receive`, then call `next` until
/// it returns nil. Memory is bounded: it buffers at most `max(64 KiB, 8 + maximumPayloadLength)`
/// bytes, and refuses bytes beyond that until messages are taken out. Any input, however broken,
/// ends in a thrown `ProtocolError`, never a trap. Not thread-safe (one per connection).
public struct MessageParser {
    /// The largest payload accepted; a header announcing more throws `messageTooLarge`.
    public let maximumPayloadLength: Int
    private var storage: [UInt8] = []
    private var start = 0
    private var end = 0
    /// A framing error ends the stream: every later `next` throws it again.
    private var failure: ProtocolError?

    private static let readAhead = 1 << 16
    private static let initialCapacity = 1 << 10

    public init(maximumPayloadLength: Int) {
        precondition(maximumPayloadLength >= 0 && maximumPayloadLength <= Int(UInt32.max), "payload lengths are u32")
        self.maximumPayloadLength = maximumPayloadLength
    }

    /// Bytes received but not yet returned as messages.
    public var bufferedByteCount: Int { end - start }
    /// Bytes of buffer currently allocated (bounded as described above).
    public var bufferCapacity: Int { storage.count }
    /// The most the buffer ever holds.
    public var bufferLimit: Int { max(Self.readAhead, WireFormat.headerLength + maximumPayloadLength) }

    /// Copies as much of `bytes` as fits; returns how many were taken (fewer than offered once a
    /// message is complete and waiting: call `next`, then offer the rest).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        var taken = 0
        receive { space in
            taken = min(space.count, bytes.count)
            if taken > 0 { space.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: taken) }
            return taken
        }
        return taken
    }

    /// Lets `read` fill the free part of the buffer (e.g. with recv) and keeps the count it returns
    /// (0...space.count). The space is empty only when a complete message waits for `next`.
    public mutating func receive<E: Error>(_ read: (UnsafeMutableRawBufferPointer) throws(E) -> Int) throws(E) {
        makeRoom()
        let filled = end
        let result = storage.withUnsafeMutableBytes { all -> Result<Int, E> in
            do throws(E) { return .success(try read(UnsafeMutableRawBufferPointer(rebasing: all[filled...]))) } catch { return .failure(error) }
        }
        let count = try result.get()
        precondition(count >= 0 && end + count <= storage.count, "receive's reader returned more than the space it was given")
        end += count
    }

    /// The next complete message, nil when more bytes are needed.
    public mutating func next() throws(ProtocolError) -> WireMessage? {
        if let failure { throw failure }
        guard let (type, length) = header() else { return nil }
        guard length <= maximumPayloadLength else {
            let error = ProtocolError.messageTooLarge(type: type, length: length, limit: maximumPayloadLength)
            failure = error
            throw error
        }
        let total = WireFormat.headerLength + length
        guard end - start >= total else { return nil }
        let payloadStart = start + WireFormat.headerLength
        start += total
        if start == end { start = 0; end = 0 }
        let decoded = storage.withUnsafeBytes { all -> Result<WireMessage, ProtocolError> in
            do throws(ProtocolError) {
                return .success(try WireMessage.decode(type: type, payload: UnsafeRawBufferPointer(rebasing: all[payloadStart..<(payloadStart + length)])))
            } catch { return .failure(error) }
        }
        return try decoded.get()
    }

    private func header() -> (type: UInt16, length: Int)? {
        guard end - start >= WireFormat.headerLength else { return nil }
        let type = UInt16(storage[start]) | UInt16(storage[start + 1]) << 8
        var length = 0
        for index in 0..<4 { length |= Int(storage[start + 4 + index]) << (8 * index) }
        return (type, length)
    }

    /// Moves buffered bytes to the front and grows the buffer to fit the message being received.
    private mutating func makeRoom() {
        if start > 0 {
            let count = end - start
            storage.withUnsafeMutableBytes { all in
                all.baseAddress!.copyMemory(from: all.baseAddress! + start, byteCount: count)
            }
            start = 0
            end = count
        }
        // Grow geometrically from a small start: most streams carry small messages, and a frame's
        // header says how much room it needs.
        var needed = min(Self.initialCapacity, bufferLimit)
        if let (_, length) = header(), length <= maximumPayloadLength {
            needed = max(needed, WireFormat.headerLength + length)
        }
        if end == storage.count { needed = max(needed, min(2 * storage.count, Self.readAhead)) }
        if storage.count < needed { storage.append(contentsOf: repeatElement(0, count: needed - storage.count)) }
    }
}
