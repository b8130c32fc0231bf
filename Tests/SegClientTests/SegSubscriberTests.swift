import Glibc
import SegClient
import SegPublish
import Testing

@Suite struct SegSubscriberTests {
    @Test func helloDescribesTheModel() throws {
        let directory = SubscriberTestDirectory()
        let server = try makeSubscriberTestServer(directory, settings: SubscriberServerSettings(serverName: "segd", serverVersion: "9.9", ringPath: "/run/segd/masks"))
        let subscriber = try SegSubscriber(socketPath: directory.socketPath, timeoutSeconds: 20)
        #expect(subscriber.hello.model == subscriberTestModel)
        #expect(subscriber.hello.serverVersion == "9.9")
        #expect(subscriber.hello.ringPath == "/run/segd/masks")
        #expect(subscriber.version == 1)
        server.stop()
        #expect(throws: SubscriberError.disconnected) { try subscriber.nextFrame(timeoutSeconds: 20) }
    }

    @Test(arguments: [
        SubscriptionOptions(),
        SubscriptionOptions(encoding: .runLength),
        SubscriptionOptions(encoding: .runLength, downscale: 3),
        SubscriptionOptions(downscale: 8),
    ])
    func framesArriveInOrderWithTheirContent(options: SubscriptionOptions) throws {
        let directory = SubscriberTestDirectory()
        let server = try makeSubscriberTestServer(directory)
        let subscriber = try SegSubscriber(socketPath: directory.socketPath, timeoutSeconds: 20)
        try subscriber.subscribe(options)
        _ = try subscriber.status(timeoutSeconds: 20)  // the subscription is in effect once this returns
        let model = subscriberTestModel
        for frame in UInt64(1)...10 {
            publishBandFrame(server, frame)
            let received = try subscriber.nextFrame(timeoutSeconds: 20)
            #expect(received.header.frameNumber == frame)
            #expect(received.header.encoding == options.encoding)
            #expect(received.header.downscale == options.downscale)
            #expect(received.header.classCount == 3)
            #expect(received.header.inferenceNanoseconds == 15_000_000)
            let expected = MaskDownscale.downscale(bandMask(frame: frame), width: model.maskWidth, height: model.maskHeight, factor: options.downscale)
            #expect(received.mask == expected)
            #expect(received.header.width * received.header.height == expected.count)
        }
    }

    @Test func everyNthFrameCountsFromTheSubscription() throws {
        let directory = SubscriberTestDirectory()
        let server = try makeSubscriberTestServer(directory)
        let every3 = try SegSubscriber(socketPath: directory.socketPath, timeoutSeconds: 20)
        let all = try SegSubscriber(socketPath: directory.socketPath, timeoutSeconds: 20)
        try every3.subscribe(SubscriptionOptions(every: 3))
        try all.subscribe()
        _ = try every3.status(timeoutSeconds: 20)
        _ = try all.status(timeoutSeconds: 20)
        var received: [UInt64] = []
        for frame in UInt64(1)...9 {
            publishBandFrame(server, frame)
            #expect(try all.nextFrame(timeoutSeconds: 20).header.frameNumber == frame)
            if frame % 3 == 1 { received.append(try every3.nextFrame(timeoutSeconds: 20).header.frameNumber) }
        }
        #expect(received == [1, 4, 7])
    }

    @Test func statusCarriesTheProvidersFiguresAndTheSubscribers() throws {
        let directory = SubscriberTestDirectory()
        let server = try makeSubscriberTestServer(directory)
        let watcher = try SegSubscriber(socketPath: directory.socketPath, timeoutSeconds: 20)
        let subscribers = try (0..<2).map { _ in try SegSubscriber(socketPath: directory.socketPath, timeoutSeconds: 20) }
        for subscriber in subscribers {
            try subscriber.subscribe()
            _ = try subscriber.status(timeoutSeconds: 20)
        }
        // The server and the subscribers must outlive the status request: the optimizer may end an
        // object's lifetime at its last use, and a released subscriber closes its connection.
        let status = try withExtendedLifetime((server, subscribers)) { try watcher.status(timeoutSeconds: 20) }
        #expect(status.pipeline == subscriberTestStatus)
        #expect(status.subscribers == 2)
        #expect(status.connections == 3)
        #expect(status.queueDrops == 0 && status.framesSent == 0)
        #expect(status.uptimeNanoseconds > 0)
    }

    @Test func aClientThatNeverReadsLosesFramesAndNoOneElseDoes() throws {
        let directory = SubscriberTestDirectory()
        let server = try makeSubscriberTestServer(directory, settings: SubscriberServerSettings(queueCapacity: 4, stuckTimeoutSeconds: 600))
        let slow = try SegSubscriber(socketPath: directory.socketPath, timeoutSeconds: 20)
        try slow.subscribe()
        _ = try slow.status(timeoutSeconds: 20)
        let good = try SegSubscriber(socketPath: directory.socketPath, timeoutSeconds: 20)
        try good.subscribe(SubscriptionOptions(encoding: .runLength))
        _ = try good.status(timeoutSeconds: 20)
        let frames: UInt64 = 120  // 120 x 19.2 kB raw: far more than the socket buffer and queue hold
        for frame in UInt64(1)...frames {
            publishBandFrame(server, frame)
            let received = try good.nextFrame(timeoutSeconds: 20)
            #expect(received.header.frameNumber == frame && received.mask == bandMask(frame: frame))
            #expect(received.header.queueDrops == 0)
        }
        let status = try good.status(timeoutSeconds: 20)
        #expect(status.queueDrops == 0 && status.framesSent == frames)
        let slowStatistics = server.statistics.connections.first { $0.id == 1 }
        #expect(slowStatistics != nil, "a slow client is throttled, not disconnected")
        #expect((slowStatistics?.queueDrops ?? 0) > 0)
        #expect((slowStatistics?.framesSent ?? 0) + (slowStatistics?.queueDrops ?? 0) + 6 >= frames)
    }
}
