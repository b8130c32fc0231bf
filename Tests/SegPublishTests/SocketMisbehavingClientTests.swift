import Glibc
import SegPublish
import Testing

/// Clients that break the rules are dropped; a well-behaved one next to them sees every frame.
@Suite struct SocketMisbehavingClientTests {
    /// Publishes `count` frames, each after `good` has received the previous one.
    func publishInLockstep(_ server: SubscriberServer, _ good: RawTestClient, frames: ClosedRange<UInt64>) throws {
        for frame in frames {
            publishTestFrame(server, frame)
            guard case .frame(let header, let data) = try good.next() else { Issue.record("no frame \(frame)"); return }
            #expect(header.frameNumber == frame)
            #expect(data == testMask(frame: frame))
        }
    }

    @Test func garbageGetsErrorAndDisconnectWithoutTouchingOthers() throws {
        let directory = SocketTestDirectory()
        let server = try makeTestServer(directory)
        let good = try RawTestClient(directory.socketPath)
        _ = try good.next()
        try good.subscribe()
        let bad = try RawTestClient(directory.socketPath)
        guard case .hello = try bad.next() else { Issue.record("no hello"); return }
        try publishInLockstep(server, good, frames: 1...3)
        try bad.send([UInt8](repeating: 0xA5, count: 64))
        guard case .error(let code, _) = try bad.next() else { Issue.record("no error"); return }
        #expect(code == .badMessage)
        #expect(try bad.next() == nil)
        try publishInLockstep(server, good, frames: 4...6)
        #expect(eventually { server.statistics.disconnectedMisbehaving == 1 && server.statistics.connections.count == 1 })
    }

    @Test func oversizedAndUnsupportedRequestsAreRefused() throws {
        let directory = SocketTestDirectory()
        let server = try makeTestServer(directory)
        let huge = try RawTestClient(directory.socketPath)
        _ = try huge.next()
        try huge.send([4, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F])
        guard case .error(.badMessage, _) = try huge.next() else { Issue.record("no error for a huge length"); return }
        let future = try RawTestClient(directory.socketPath)
        _ = try future.next()
        try future.send(.statusRequest(version: 99))
        guard case .error(.unsupportedVersion, _) = try future.next() else { Issue.record("no error for version 99"); return }
        #expect(try future.next() == nil)
        let options = try RawTestClient(directory.socketPath)
        _ = try options.next()
        try options.send([2, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 9, 1, 0, 0, 0])
        guard case .error(.badOptions, _) = try options.next() else { Issue.record("no error for downscale 9"); return }
        #expect(eventually { server.statistics.disconnectedMisbehaving == 3 })
    }

    @Test func clientsThatConnectAndLeaveAtOnceDoNoHarm() throws {
        let directory = SocketTestDirectory()
        let server = try makeTestServer(directory)
        for _ in 0..<20 { _ = try RawTestClient(directory.socketPath) }
        let good = try RawTestClient(directory.socketPath)
        _ = try good.next()
        try good.subscribe()
        try publishInLockstep(server, good, frames: 1...3)
        #expect(eventually { server.statistics.accepted == 21 && server.statistics.connections.count == 1 })
    }

    @Test func halfClosedSubscriberStillGetsFramesAndOthersAreClosed() throws {
        let directory = SocketTestDirectory()
        let server = try makeTestServer(directory)
        let subscriber = try RawTestClient(directory.socketPath)
        _ = try subscriber.next()
        try subscriber.subscribe()
        subscriber.socket.shutdown(Int32(SHUT_WR))
        let idle = try RawTestClient(directory.socketPath)
        _ = try idle.next()
        idle.socket.shutdown(Int32(SHUT_WR))
        #expect(try idle.next() == nil)
        try publishInLockstep(server, subscriber, frames: 1...3)
        #expect(eventually { server.statistics.connections.count == 1 })
    }

    @Test func peersOutsideTheAllowedListsAreRefused() throws {
        let directory = SocketTestDirectory()
        let log = SocketTestLog()
        let stranger: UInt32 = getuid() == 12345 ? 12346 : 12345
        let server = try makeTestServer(directory, settings: SubscriberServerSettings(admission: PeerAdmission(userIDs: [stranger])), log: log)
        let client = try RawTestClient(directory.socketPath)
        guard case .error(let code, _) = try client.next() else { Issue.record("no error"); return }
        #expect(code == .notAllowed)
        #expect(try client.next() == nil)
        #expect(eventually { server.statistics.refused == 1 })
        #expect(log.all.contains { $0.contains("refused") && $0.contains("uid \(getuid())") && $0.contains("pid \(getpid())") })

        let friendly = try makeTestServer(SocketTestDirectory(), settings: SubscriberServerSettings(admission: PeerAdmission(groupIDs: [getgid()])))
        _ = friendly
    }

    @Test func stuckClientIsDisconnectedAfterTheTimeout() throws {
        let directory = SocketTestDirectory()
        let server = try makeTestServer(directory, settings: SubscriberServerSettings(queueCapacity: 2, stuckTimeoutSeconds: 0.5))
        let stuck = try RawTestClient(directory.socketPath)
        _ = try stuck.next()
        try stuck.subscribe()
        var frame: UInt64 = 0
        // Keep publishing (the socket buffer fills, then nothing moves) until the server gives up.
        #expect(eventually(seconds: 60) {
            frame += 1
            publishTestFrame(server, frame)
            return server.statistics.disconnectedStuck == 1
        })
        #expect(server.statistics.connections.isEmpty)
    }
}
