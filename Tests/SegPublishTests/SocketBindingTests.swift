import Glibc
import SegPublish
import Testing

@Suite struct SocketBindingTests {
    @Test func bindsWithModeAndGroupAndUnlinksOnStop() throws {
        let directory = SocketTestDirectory()
        let server = try SubscriberServer(path: directory.socketPath, mode: 0o640, groupID: getgid(), model: socketTestModel, status: { PipelineStatus() }, log: { _ in })
        var status = stat()
        #expect(lstat(directory.socketPath, &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o777 == 0o640)
        #expect(status.st_gid == getgid())
        server.stop()
        #expect(lstat(directory.socketPath, &status) != 0)
    }

    @Test func replacesAStaleSocketButNeverAnotherFile() throws {
        let directory = SocketTestDirectory()
        // A socket file nobody listens on: what a crashed daemon leaves behind.
        let stale = try SocketDescriptor.unixStream(nonBlocking: false)
        _ = directory.socketPath.withCString { path in
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: UnsafeRawBufferPointer(start: path, count: strlen(path))) }
            return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale.descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        }
        let server = try makeTestServer(directory)
        #expect(throws: SocketError.addressInUse(directory.socketPath)) { try makeTestServer(directory) }
        server.stop()

        let file = open(directory.socketPath, O_CREAT | O_WRONLY, 0o600)
        close(file)
        #expect(throws: SocketError.notASocket(directory.socketPath)) { try makeTestServer(directory) }
        var status = stat()
        #expect(lstat(directory.socketPath, &status) == 0 && status.st_mode & S_IFMT == S_IFREG)
    }

    @Test func adoptsAListeningDescriptor() throws {
        let directory = SocketTestDirectory()
        let bound = try makeTestServer(directory)
        bound.stop()
        // Build a listening socket by hand, as systemd would, and hand its descriptor over.
        let listening = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let result = directory.socketPath.withCString { path in
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: UnsafeRawBufferPointer(start: path, count: strlen(path))) }
            return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        }
        #expect(result == 0 && listen(listening, 8) == 0)
        let server = try SubscriberServer(listeningDescriptor: listening, model: socketTestModel, status: { PipelineStatus() }, log: { _ in })
        let client = try RawTestClient(directory.socketPath)
        guard case .hello(let hello) = try client.next() else { Issue.record("no hello"); return }
        #expect(hello.model == socketTestModel)
        server.stop()
        var status = stat()
        #expect(lstat(directory.socketPath, &status) == 0, "an adopted socket's file is not ours to remove")

        let notListening = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(throws: SocketError.notListening(descriptor: notListening)) {
            try SubscriberServer(listeningDescriptor: notListening, model: socketTestModel, status: { PipelineStatus() }, log: { _ in })
        }
    }
}
