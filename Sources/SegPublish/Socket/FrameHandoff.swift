import Synchronization

/// Carries masks from the pipeline thread to the server thread without either waiting on the
/// other: a pool of `slotCount` preallocated mask buffers and a one-frame mailbox. `publish`
/// takes a free buffer, copies the mask into it and posts it, replacing (and counting) a posted
/// frame the server thread has not taken yet; the server thread `take`s the newest and
/// `release`s it when encoded. The buffers' memory is owned here; which thread may touch a
/// buffer is decided under `state`.
final class FrameHandoff: @unchecked Sendable {
    struct Posted {
        var slot: Int
        var info: MaskFrameInfo
    }

    private struct State {
        /// Bit i set: slot i is free.
        var free: UInt32
        var posted: Posted?
        var stopping = false
        /// Frames replaced in the mailbox, or published with no free buffer.
        var drops: UInt64 = 0
    }

    /// One for the mailbox, one for the server thread, one for the pipeline to fill.
    static let slotCount = 3

    let slotBytes: Int
    private let storage: UnsafeMutableRawBufferPointer
    private let state: Mutex<State>
    let wakeup: WakeupEvent
    /// Connections currently subscribed (the server thread stores it): with none, `publish` skips the copy.
    let subscribers = Atomic<Int>(0)

    init(slotBytes: Int) throws(SocketError) {
        precondition(slotBytes > 0, "masks have at least one pixel")
        self.slotBytes = slotBytes
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: slotBytes * Self.slotCount, alignment: 64)
        state = Mutex(State(free: (1 << UInt32(Self.slotCount)) - 1))
        wakeup = try WakeupEvent()
    }

    deinit { storage.deallocate() }

    /// Pipeline thread: copies `mask` into a free buffer and posts it. Never blocks on the server
    /// thread beyond two short critical sections; does nothing while no one subscribes.
    func publish(mask: UnsafeRawBufferPointer, info: MaskFrameInfo) {
        guard subscribers.load(ordering: .relaxed) > 0 else { return }
        let slot: Int? = state.withLock { state in
            guard state.free != 0, !state.stopping else {
                state.drops += 1
                return nil
            }
            let slot = state.free.trailingZeroBitCount
            state.free &= ~(1 << UInt32(slot))
            return slot
        }
        guard let slot else { return }
        buffer(slot).copyMemory(from: mask)
        let wake = state.withLock { state in
            defer { state.posted = Posted(slot: slot, info: info) }
            guard let replaced = state.posted else { return true }
            state.free |= 1 << UInt32(replaced.slot)
            state.drops += 1
            // A frame was already waiting, so its wakeup is still pending (the server thread
            // drains wakeups before it takes a frame).
            return false
        }
        if wake { wakeup.signal() }
    }

    /// Server thread, after draining `wakeup`: the newest posted frame, whose buffer it owns until `release`.
    func take() -> Posted? {
        state.withLock { state in
            defer { state.posted = nil }
            return state.posted
        }
    }

    func release(_ slot: Int) {
        state.withLock { $0.free |= 1 << UInt32(slot) }
    }

    func buffer(_ slot: Int) -> UnsafeMutableRawBufferPointer {
        precondition(slot >= 0 && slot < Self.slotCount, "no such handoff slot")
        return UnsafeMutableRawBufferPointer(rebasing: storage[(slot * slotBytes)..<((slot + 1) * slotBytes)])
    }

    /// Asks the server thread to finish.
    func requestStop() {
        state.withLock { $0.stopping = true }
        wakeup.signal()
    }

    var isStopping: Bool { state.withLock { $0.stopping } }
    var drops: UInt64 { state.withLock { $0.drops } }
}
