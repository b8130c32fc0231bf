/// A heap array of trivial elements whose capacity only grows, by at least half of what was asked:
/// sized by the largest frame seen plus headroom, so that steady-state frames, whose lattices vary
/// a little with the content, allocate nothing. Not thread-safe; elements are uninitialized until
/// written.
final class GrowableBuffer<Element: BitwiseCopyable> {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        pointer = UnsafeMutablePointer<Element>.allocate(capacity: self.capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes room for `count` elements, keeping the first `preserving` ones.
    @inline(__always)
    func reserve(_ count: Int, preserving: Int = 0) {
        if count <= capacity { return }
        grow(count, preserving: preserving)
    }

    private func grow(_ count: Int, preserving: Int) {
        let newCapacity = max(count &+ count / 2, capacity &* 2)
        let newPointer = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newPointer.update(from: pointer, count: preserving)
        pointer.deallocate()
        pointer = newPointer
        capacity = newCapacity
    }
}
