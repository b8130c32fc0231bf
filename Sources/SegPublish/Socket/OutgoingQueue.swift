/// What a connection still has to send: replies (Hello, Status, Error, Bye) in order, and at most
/// `frameCapacity` frames, the oldest dropped when a newer one arrives. The message being sent
/// (possibly half-written) is never dropped. Server thread only.
struct OutgoingQueue {
    let frameCapacity: Int
    private var replies: [[UInt8]] = []
    private var frames: [(header: FrameHeader, mask: EncodedMask)] = []
    /// The message in flight: its header bytes (a whole reply, or a frame's message header +
    /// FrameHeader), the frame's shared mask bytes, and how much of both is sent.
    private var head: [UInt8] = []
    private var headMask: EncodedMask?
    private var sent = 0
    private var sending = false

    init(frameCapacity: Int) {
        precondition(frameCapacity >= 1, "a subscriber queue holds at least one frame")
        self.frameCapacity = frameCapacity
    }

    var isEmpty: Bool { !sending && replies.isEmpty && frames.isEmpty }
    var replyCount: Int { replies.count }

    mutating func enqueueReply(_ message: [UInt8]) { replies.append(message) }

    /// Queues a frame; returns true when the oldest queued frame was dropped to make room.
    mutating func enqueueFrame(_ header: FrameHeader, _ mask: EncodedMask) -> Bool {
        let dropped = frames.count >= frameCapacity
        if dropped { frames.removeFirst() }
        frames.append((header, mask))
        return dropped
    }

    /// Drops every queued frame (not the one in flight), e.g. when the client closes; returns how many.
    mutating func discardFrames() -> Int {
        defer { frames.removeAll() }
        return frames.count
    }

    /// Sends until the socket is full or nothing is left. `queueDrops` goes into each frame header
    /// as it starts. Returns the bytes sent and the frames completed; throws when the peer is gone.
    mutating func send(on socket: SocketDescriptor, queueDrops: UInt64) throws(SocketError) -> (bytes: Int, frames: Int) {
        var bytes = 0, completed = 0
        while sending || startNext(queueDrops: queueDrops) {
            let maskBytes = headMask?.bytes ?? []
            let total = head.count + maskBytes.count
            let offset = sent
            let result = head.withUnsafeBytes { headBytes in
                maskBytes.withUnsafeBytes { maskBytes -> Result<Int?, SocketError> in
                    do throws(SocketError) {
                        if offset < headBytes.count {
                            return .success(try socket.send(UnsafeRawBufferPointer(rebasing: headBytes[offset...]), maskBytes))
                        }
                        return .success(try socket.send(UnsafeRawBufferPointer(rebasing: maskBytes[(offset - headBytes.count)...])))
                    } catch { return .failure(error) }
                }
            }
            guard let count = try result.get() else { break }
            sent += count
            bytes += count
            if sent == total {
                if headMask != nil { completed += 1 }
                sending = false
                headMask = nil
            }
        }
        return (bytes, completed)
    }

    private mutating func startNext(queueDrops: UInt64) -> Bool {
        sent = 0
        if !replies.isEmpty {
            head = replies.removeFirst()
            sending = true
        } else if !frames.isEmpty {
            var (header, mask) = frames.removeFirst()
            header.queueDrops = queueDrops
            var writer = WireWriter(appendingTo: head)
            head = []
            writer.clear()
            writer.beginMessage(.frame)
            header.encode(&writer)
            writer.setPayloadLength(FrameHeader.encodedLength + mask.bytes.count, startingAt: 0)
            head = writer.bytes
            headMask = mask
            sending = true
        }
        return sending
    }
}
