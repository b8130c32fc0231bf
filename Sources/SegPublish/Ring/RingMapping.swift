#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A whole ring file mapped MAP_SHARED (read-write for the writer, read-only for readers),
/// unmapped when the object goes. Hands out typed pointers to fields by file offset; those
/// pointers must not outlive the mapping, so they stay inside the ring's types.
///
/// The atomic fields are reached as `Atomic<UInt64>` / `Atomic<UInt32>` at their offsets. That
/// is sound because `Atomic<Value>` is a frozen struct whose only stored property is the value's
/// atomic storage, with the value's size and alignment (8 and 4, checked by the tests), so a
/// naturally aligned field in shared memory is a valid `Atomic` (as a C11 `_Atomic uint64_t` is):
/// the operations compile to the same instructions as C's `atomic_load_explicit` and friends.
final class RingMapping {
    let base: UnsafeMutableRawPointer
    let size: Int

    /// Takes ownership of `size` bytes mapped at `base`.
    init(base: UnsafeMutableRawPointer, size: Int) {
        self.base = base
        self.size = size
    }

    deinit { _ = munmap(base, size) }

    func atomic64(at offset: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        precondition(offset % 8 == 0 && offset + 8 <= size, "ring field offset \(offset) out of bounds")
        return (base + offset).assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    func atomic32(at offset: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
        precondition(offset % 4 == 0 && offset + 4 <= size, "ring field offset \(offset) out of bounds")
        return (base + offset).assumingMemoryBound(to: Atomic<UInt32>.self)
    }

    /// A header field that is written before the file is renamed into place and never after.
    func load<Value: FixedWidthInteger>(_ offset: Int, as type: Value.Type) -> Value {
        precondition(offset + MemoryLayout<Value>.size <= size, "ring field offset \(offset) out of bounds")
        return Value(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Value.self))
    }

    func store<Value: FixedWidthInteger>(_ value: Value, at offset: Int) {
        precondition(offset + MemoryLayout<Value>.size <= size, "ring field offset \(offset) out of bounds")
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: Value.self)
    }

    /// A NUL-terminated UTF-8 string in a fixed field of `capacity` bytes.
    func loadString(at offset: Int, capacity: Int) -> String {
        precondition(offset + capacity <= size, "ring field offset \(offset) out of bounds")
        let field = UnsafeRawBufferPointer(start: base + offset, count: capacity)
        let end = field.firstIndex(of: 0) ?? capacity
        return String(decoding: field[..<end], as: UTF8.self)
    }

    /// Stores `text` NUL-terminated in a fixed field of `capacity` bytes, cut at a character
    /// boundary to fit `capacity - 1` bytes; the rest of the field is zeroed.
    func storeString(_ text: String, at offset: Int, capacity: Int) {
        precondition(offset + capacity <= size, "ring field offset \(offset) out of bounds")
        var bytes = Array(text.utf8)
        if bytes.count > capacity - 1 {
            var cut = capacity - 1
            // Step back over UTF-8 continuation bytes so no character is split.
            while cut > 0 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            bytes.removeSubrange(cut...)
        }
        let field = UnsafeMutableRawBufferPointer(start: base + offset, count: capacity)
        field.initializeMemory(as: UInt8.self, repeating: 0)
        field.copyBytes(from: bytes)
    }
}
