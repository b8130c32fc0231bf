import Glibc

/// The server thread: one poll() loop over the wakeup event, the listening socket and every
/// connection. Owns the connections; nothing here is touched by another thread except through
/// `handoff` and `shared`.
final class SubscriberServerLoop {
    private let listener: ListeningSocket
    private let handoff: FrameHandoff
    private let shared: PublishedStatistics
    private let settings: SubscriberServerSettings
    private let model: PublishedModel
    private let helloBytes: [UInt8]
    private let status: @Sendable () -> PipelineStatus
    private let log: @Sendable (String) -> Void
    private let started = PublishClock.monotonicNanoseconds()
    private let stuckNanoseconds: UInt64

    private var connections: [SubscriberConnection] = []
    private var pollEntries: [pollfd] = []
    private var encodings = MaskEncodingCache()
    private var counters = SubscriberServerStatistics()
    private var closedQueueDrops: UInt64 = 0
    private var nextID: UInt64 = 1

    /// Replies a client may have waiting before it counts as flooding the server.
    private static let maximumPendingReplies = 16
    /// Reads per connection per loop iteration, so that one chatty client cannot starve the rest.
    private static let readsPerIteration = 8

    init(listener: ListeningSocket, handoff: FrameHandoff, shared: PublishedStatistics, settings: SubscriberServerSettings, model: PublishedModel, status: @escaping @Sendable () -> PipelineStatus, log: @escaping @Sendable (String) -> Void) {
        self.listener = listener
        self.handoff = handoff
        self.shared = shared
        self.settings = settings
        self.model = model
        self.status = status
        self.log = log
        stuckNanoseconds = UInt64(settings.stuckTimeoutSeconds * 1e9)
        var hello: [UInt8] = []
        WireMessage.hello(ServerHello(serverName: settings.serverName, serverVersion: settings.serverVersion, model: model, ringPath: settings.ringPath)).encode(into: &hello)
        helloBytes = hello
    }

    func run() {
        while !handoff.isStopping { iterate() }
        for connection in connections {
            connection.reply(.bye, now: PublishClock.monotonicNanoseconds())
            connection.closing = .serverStopping
        }
        closeFinished(now: PublishClock.monotonicNanoseconds())
    }

    private func iterate() {
        var now = PublishClock.monotonicNanoseconds()
        pollEntries.removeAll(keepingCapacity: true)
        pollEntries.append(pollfd(fd: handoff.wakeup.descriptor, events: Int16(POLLIN), revents: 0))
        pollEntries.append(pollfd(fd: listener.socket.descriptor, events: Int16(POLLIN), revents: 0))
        var timeout: Int32 = -1
        for connection in connections {
            var events: Int16 = connection.readClosed ? 0 : Int16(POLLIN)
            if !connection.output.isEmpty {
                events |= Int16(POLLOUT)
                let deadline = connection.lastProgress &+ stuckNanoseconds
                let wait = Int32(clamping: deadline > now ? (deadline - now) / 1_000_000 + 1 : 0)
                timeout = timeout < 0 ? wait : min(timeout, wait)
            }
            pollEntries.append(pollfd(fd: connection.socket.descriptor, events: events, revents: 0))
        }
        if case .failure(let failure) = SocketSystemCalls.retrying({ poll(&pollEntries, nfds_t(pollEntries.count), timeout) }) {
            log("subscriber server: poll failed (errno \(failure.code))")
            return
        }
        now = PublishClock.monotonicNanoseconds()
        if pollEntries[0].revents != 0 {
            handoff.wakeup.drain()
            distribute(now: now)
        }
        for (index, connection) in connections.enumerated() {
            let revents = Int32(pollEntries[index + 2].revents)
            if revents & (POLLIN | POLLHUP | POLLERR) != 0, !connection.readClosed { receive(connection, now: now) }
            if revents & (POLLHUP | POLLERR) != 0, connection.closing == nil { connection.closing = .clientClosed }
            if !connection.output.isEmpty { connection.flush(now: now) }
            if connection.closing == nil, !connection.output.isEmpty, now &- connection.lastProgress > stuckNanoseconds {
                connection.closing = .stuck(seconds: settings.stuckTimeoutSeconds)
                counters.disconnectedStuck += 1
            }
        }
        if pollEntries[1].revents != 0 { acceptWaiting(now: now) }
        closeFinished(now: now)
        publishStatistics()
    }

    /// Encodes the newest posted frame for every subscription that wants it and starts sending.
    private func distribute(now: UInt64) {
        guard let posted = handoff.take() else { return }
        defer { handoff.release(posted.slot) }
        encodings.reset()
        let mask = UnsafeRawBufferPointer(handoff.buffer(posted.slot))
        for connection in connections where connection.wantsNextFrame() {
            let encoded = encodings.encoded(mask, width: model.maskWidth, height: model.maskHeight, options: connection.options!)
            connection.offer(posted.info, encoded, now: now)
            connection.flush(now: now)
        }
        counters.framesDistributed += 1
    }

    private func acceptWaiting(now: UInt64) {
        for _ in 0..<16 {
            let accepted: SocketDescriptor?
            do throws(SocketError) { accepted = try listener.socket.accept() } catch {
                log("subscriber server: accept failed: \(error)")
                return
            }
            guard let socket = accepted else { return }
            guard let peer = try? socket.peerCredentials() else {
                refuse(socket, peer: nil, .notAllowed, "peer credentials unavailable")
                continue
            }
            guard settings.admission.admits(peer) else {
                refuse(socket, peer: peer, .notAllowed, "uid \(peer.userID) gid \(peer.groupID) is not allowed")
                continue
            }
            guard connections.count < settings.maximumConnections else {
                refuse(socket, peer: peer, .serverFull, "\(settings.maximumConnections) connections already")
                continue
            }
            let connection = SubscriberConnection(id: nextID, socket: socket, peer: peer, queueCapacity: settings.queueCapacity, now: now)
            nextID += 1
            counters.accepted += 1
            log("subscriber #\(connection.id) connected: \(peer)")
            connection.output.enqueueReply(helloBytes)
            connection.flush(now: now)
            connections.append(connection)
        }
    }

    private func refuse(_ socket: SocketDescriptor, peer: PeerCredentials?, _ code: ErrorCode, _ message: String) {
        counters.refused += 1
        log("subscriber refused (\(peer.map(String.init(describing:)) ?? "unknown peer")): \(message)")
        var bytes: [UInt8] = []
        WireMessage.error(code, message: message).encode(into: &bytes)
        _ = bytes.withUnsafeBytes { try? socket.send($0) }
        socket.shutdown(Int32(SHUT_WR))
    }

    /// Reads and handles what the client sent.
    private func receive(_ connection: SubscriberConnection, now: UInt64) {
        for _ in 0..<Self.readsPerIteration where connection.closing == nil {
            var received: Int?
            do throws(SocketError) {
                try connection.parser.receive { (space) throws(SocketError) -> Int in
                    // Empty only while complete messages wait, which the loop below takes out.
                    guard !space.isEmpty else { return 0 }
                    received = try connection.socket.receive(into: space)
                    return received ?? 0
                }
            } catch {
                connection.closing = .failed(error)
                return
            }
            do throws(ProtocolError) {
                while connection.closing == nil, let message = try connection.parser.next() { handle(message, from: connection, now: now) }
            } catch {
                misbehaving(connection, .badMessage, error.description, now: now)
                return
            }
            guard let count = received else { return }
            if count == 0 {
                connection.readClosed = true
                // Half-closed: a subscriber still gets frames; anyone else is done.
                if connection.options == nil, connection.output.isEmpty { connection.closing = .clientClosed }
                return
            }
        }
    }

    private func handle(_ message: WireMessage, from connection: SubscriberConnection, now: UInt64) {
        switch message {
        case .subscribe(let version, let options):
            guard checkVersion(version, connection, now: now) else { return }
            guard let options else { return misbehaving(connection, .badOptions, "every is 1...1000000, encoding 0 or 1, downscale 1...8", now: now) }
            connection.options = options
            connection.framesOffered = 0
            // At once, not at the end of the iteration: a client that sees a reply to a later
            // request must find its subscription in effect for the next publish.
            handoff.subscribers.store(connections.count { $0.options != nil }, ordering: .relaxed)
            log("subscriber #\(connection.id) subscribed: every \(options.every), \(options.encoding), downscale \(options.downscale)")
        case .statusRequest(let version):
            guard checkVersion(version, connection, now: now) else { return }
            guard connection.output.replyCount < Self.maximumPendingReplies else {
                return misbehaving(connection, .tooManyRequests, "more than \(Self.maximumPendingReplies) unanswered requests", now: now)
            }
            connection.reply(.status(statusReply(for: connection, now: now)), now: now)
        case .bye:
            connection.closing = .clientSaidBye
        case .error(let code, let text):
            log("subscriber #\(connection.id) reported \(code): \(text)")
            connection.closing = .clientClosed
        case .hello, .frame, .status:
            misbehaving(connection, .badMessage, "\(message.type) is a server message", now: now)
        }
    }

    private func checkVersion(_ version: UInt16, _ connection: SubscriberConnection, now: UInt64) -> Bool {
        guard version < WireFormat.minimumVersion || version > WireFormat.maximumVersion else { return true }
        misbehaving(connection, .unsupportedVersion, "version \(version); this server speaks \(WireFormat.minimumVersion)...\(WireFormat.maximumVersion)", now: now)
        return false
    }

    /// Answers Error and closes: queued frames are dropped so that the Error goes out next.
    private func misbehaving(_ connection: SubscriberConnection, _ code: ErrorCode, _ message: String, now: UInt64) {
        _ = connection.output.discardFrames()
        connection.reply(.error(code, message: message), now: now)
        connection.closing = .misbehaving(code, message)
        counters.disconnectedMisbehaving += 1
    }

    private func statusReply(for connection: SubscriberConnection, now: UInt64) -> ServerStatus {
        var pipeline = status()
        pipeline.extras = pipeline.extras.prefix(WireFormat.maximumStatusExtras).map { StatusField(Self.fitted($0.key), Self.fitted($0.value)) }
        return ServerStatus(
            pipeline: pipeline, uptimeNanoseconds: now &- started, subscribers: connections.count { $0.options != nil }, connections: connections.count,
            queueDrops: connection.queueDrops, framesSent: connection.framesSent)
    }

    /// `text` cut to the protocol's string limit at a character boundary.
    private static func fitted(_ text: String) -> String {
        guard text.utf8.count > WireFormat.maximumStringLength else { return text }
        var cut = ""
        for character in text where cut.utf8.count + character.utf8.count <= WireFormat.maximumStringLength { cut.append(character) }
        return cut
    }

    /// Gives closing connections one last flush (their Error or Bye), then closes them.
    private func closeFinished(now: UInt64) {
        guard connections.contains(where: { $0.closing != nil }) else { return }
        connections.removeAll { connection in
            guard let reason = connection.closing else { return false }
            connection.flush(now: now)
            // Reading what the client still sent lets it see our Error followed by end of
            // stream instead of ECONNRESET.
            if !connection.readClosed {
                connection.socket.shutdown(Int32(SHUT_WR))
                withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 1) { scratch in
                    for _ in 0..<16 {
                        guard let count = try? connection.socket.receive(into: scratch), count > 0 else { break }
                    }
                }
            }
            closedQueueDrops += connection.queueDrops
            log("subscriber #\(connection.id) disconnected (\(reason)); frames sent \(connection.framesSent), queue drops \(connection.queueDrops)")
            return true
        }
    }

    private func publishStatistics() {
        counters.connections = connections.map(\.statistics)
        counters.queueDrops = closedQueueDrops + connections.reduce(0) { $0 + $1.queueDrops }
        counters.handoffDrops = handoff.drops
        var cpu = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu)
        counters.serverThreadCPUNanoseconds = UInt64(cpu.tv_sec) * 1_000_000_000 + UInt64(cpu.tv_nsec)
        handoff.subscribers.store(counters.subscribers, ordering: .relaxed)
        shared.store(counters)
    }
}
