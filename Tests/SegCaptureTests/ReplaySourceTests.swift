import CAllocationCounter
import Foundation
import SegCapture
import Testing

@Suite struct ReplaySourceTests {
    /// Three 32x24 JPEGs that differ.
    private static let frames = (1...3).map { encodeJPEG(syntheticPhoto(width: 32, height: 24, seed: UInt64($0)), width: 32, height: 24) }

    /// The frames a source delivers, with their sequence numbers, until it ends or `limit`.
    private func play(_ source: ReplaySource, limit: Int) throws -> (frames: [[UInt8]], sequences: [UInt64], ended: Bool) {
        var frames: [[UInt8]] = [], sequences: [UInt64] = []
        do {
            while frames.count < limit {
                let delivered = try source.nextFrame(timeoutMilliseconds: 1000) { frame in
                    frames.append(Array(frame.bytes))
                    sequences.append(frame.sequence)
                    #expect(frame.format == source.format)
                }
                #expect(delivered)
            }
        } catch {
            #expect(error == .endOfStream(device: source.path))
            return (frames, sequences, true)
        }
        return (frames, sequences, false)
    }

    @Test func folderPlaysItsJPEGsInNameOrder() throws {
        try withTemporaryDirectory { directory in
            // Written out of order; other files are ignored.
            try write(Self.frames[2], to: directory + "/c.JPEG")
            try write(Self.frames[0], to: directory + "/a.jpg")
            try write(Self.frames[1], to: directory + "/b.jpeg")
            try write([1, 2, 3], to: directory + "/notes.txt")
            let source = try ReplaySource(path: directory, fps: 1000, loop: false)
            #expect(source.format == SourceFormat(format: .mjpeg, width: 32, height: 24, fps: 1000))
            #expect(source.frameCount == 3)
            let played = try play(source, limit: 10)
            #expect(played.frames == Self.frames)
            #expect(played.sequences == [0, 1, 2])
            #expect(played.ended)
            #expect(source.statistics.frames == 3)
        }
    }

    /// An MJPEG sequence file: concatenated JPEGs, padding and garbage between them skipped.
    @Test func sequenceFileLoops() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/clip.mjpeg"
            try write(Self.frames[0] + [0, 0, 0] + Self.frames[1] + Self.frames[2] + [0xFF, 0xD8, 0xFF], to: path)
            let source = try ReplaySource(path: path, fps: 1000, loop: true)
            #expect(source.frameCount == 3)
            let played = try play(source, limit: 7)
            #expect(played.frames == Self.frames + Self.frames + [Self.frames[0]])
            #expect(played.sequences == Array(0..<7))
            #expect(!played.ended)
        }
    }

    /// Ten frames at 50 fps span nine intervals: at least 0.18 s (0.17 s allowed for clock
    /// granularity); the timestamps are CLOCK_MONOTONIC and increase.
    @Test func framesArePacedAtTheRate() throws {
        try withTemporaryDirectory { directory in
            try write(Self.frames[0], to: directory + "/a.jpg")
            let source = try ReplaySource(path: directory, fps: 50, loop: true)
            var timestamps: [UInt64] = []
            let start = monotonicNanoseconds()
            for _ in 0..<10 {
                _ = try source.nextFrame(timeoutMilliseconds: 1000) { timestamps.append($0.timestampNanoseconds) }
            }
            let elapsed = Double(monotonicNanoseconds() - start) / 1e9
            #expect(elapsed >= 0.17, "\(elapsed) s")
            #expect(timestamps.count == 10)
            #expect(zip(timestamps, timestamps.dropFirst()).allSatisfy { $0 < $1 })
            #expect(timestamps[0] >= start)
        }
    }

    /// A frame due after the timeout is not waited for: the call sleeps the timeout, returns
    /// false and counts it.
    @Test func frameDueAfterTheTimeoutTimesOut() throws {
        try withTemporaryDirectory { directory in
            try write(Self.frames[0], to: directory + "/a.jpg")
            let source = try ReplaySource(path: directory, fps: 2, loop: true)
            #expect(try source.nextFrame(timeoutMilliseconds: 0) { _ in })
            let start = monotonicNanoseconds()
            #expect(try !source.nextFrame(timeoutMilliseconds: 20) { _ in Issue.record("no frame is due yet") })
            let elapsed = Double(monotonicNanoseconds() - start) / 1e6
            #expect(elapsed >= 19 && elapsed < 400, "\(elapsed) ms")
            #expect(source.statistics.timeouts == 1)
            #expect(source.statistics.frames == 1)
        }
    }

    @Test func deliveringAFrameAllocatesNothing() throws {
        try withTemporaryDirectory { directory in
            try write(Self.frames[0] + Self.frames[1], to: directory + "/clip.mjpeg")
            let source = try ReplaySource(path: directory + "/clip.mjpeg", fps: 1000, loop: true)
            var bytes = 0
            _ = try source.nextFrame(timeoutMilliseconds: 100) { bytes &+= $0.bytes.count }
            let before = allocation_counter_thread_allocations()
            _ = try source.nextFrame(timeoutMilliseconds: 100) { bytes &+= $0.bytes.count }
            _ = try source.nextFrame(timeoutMilliseconds: 100) { bytes &+= $0.bytes.count }
            #expect(allocation_counter_thread_allocations() - before == 0)
            #expect(bytes == 2 * Self.frames[0].count + Self.frames[1].count)
        }
    }

    /// What `ReplaySource(path:)` throws for `path`: the device and reason of `.unusable`.
    private func refusal(_ path: String) -> (String, String)? {
        do {
            _ = try ReplaySource(path: path, fps: 10, loop: true)
        } catch {
            if case .unusable(let device, let reason) = error { return (device, reason) }
        }
        return nil
    }

    @Test func unusablePathsAreRefusedNamingTheFileAndReason() throws {
        try withTemporaryDirectory { directory in
            #expect(refusal(directory + "/missing.mjpeg")?.0 == directory + "/missing.mjpeg")
            #expect(refusal(directory + "/missing.mjpeg")?.1.contains("No such file or directory") == true)

            try write([], to: directory + "/empty.mjpeg")
            #expect(refusal(directory + "/empty.mjpeg")?.1 == "is empty")

            try write([UInt8](repeating: 7, count: 100) + Array(Self.frames[0].prefix(200)), to: directory + "/junk.mjpeg")
            #expect(refusal(directory + "/junk.mjpeg")?.1 == "holds no JPEG frames")

            try write(Self.frames[0] + encodeJPEG(syntheticPhoto(width: 16, height: 24), width: 16, height: 24), to: directory + "/mixed.mjpeg")
            #expect(refusal(directory + "/mixed.mjpeg")?.1.hasPrefix("frames of different sizes: frame 1") == true)

            let folder = directory + "/frames"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            #expect(refusal(folder)?.1 == "holds no .jpg or .jpeg files")
            try write(Self.frames[0], to: folder + "/1.jpg")
            try write(Array(Self.frames[1].prefix(300)), to: folder + "/2.jpg")
            #expect(refusal(folder)! == (folder + "/2.jpg", "is not a whole JPEG image"))
            try write(encodeJPEG(syntheticPhoto(width: 32, height: 16), width: 32, height: 16), to: folder + "/2.jpg")
            #expect(refusal(folder)?.1 == "frames of different sizes: \(folder)/2.jpg is 32x16, \(folder)/1.jpg 32x24")
        }
        #expect(throws: CaptureError.self) { try ReplaySource(path: "/dev/null", fps: 0, loop: true) }
    }
}
