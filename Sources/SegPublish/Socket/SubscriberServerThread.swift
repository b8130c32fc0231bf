import Glibc

/// A joinable pthread running one closure (SegPublish does not import Foundation).
struct SubscriberServerThread: Sendable {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private let thread: pthread_t

    /// Starts `body` on a new thread; `body` and what it captures belong to that thread from now on.
    init(_ body: sending @escaping () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context)
        precondition(status == 0, "pthread_create failed: \(status)")
        self.thread = thread
    }

    func join() { pthread_join(thread, nil) }
}
