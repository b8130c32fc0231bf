/// A lattice vertex's coordinates, `d <= 8` Int16 values packed into two words (coordinate `i` in
/// bits `16 * (i % 4)` of word `i / 4`), so that hashing and comparing take a few instructions.
struct LatticeKey: Equatable {
    var low: UInt64
    var high: UInt64

    /// Packs `count` coordinates.
    @inline(__always)
    init(_ coordinates: UnsafePointer<Int16>, count: Int) {
        low = 0
        high = 0
        for i in 0..<count {
            let bits = UInt64(UInt16(bitPattern: coordinates[i])) &<< UInt64(16 &* (i & 3))
            if i < 4 { low |= bits } else { high |= bits }
        }
    }

    /// Unpacks `count` coordinates.
    @inline(__always)
    func unpack(into coordinates: UnsafeMutablePointer<Int16>, count: Int) {
        for i in 0..<count {
            let word = i < 4 ? low : high
            coordinates[i] = Int16(bitPattern: UInt16(truncatingIfNeeded: word &>> UInt64(16 &* (i & 3))))
        }
    }

    @inline(__always)
    var hash: UInt64 {
        // Multiply-xorshift of both words: consecutive lattice coordinates spread over the table.
        let mixed = (low ^ (high &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        return mixed ^ (mixed &>> 31)
    }
}

/// Open-addressing hash table from lattice keys to vertex indices in insertion order. Each slot
/// holds its key next to its entry, so a probe touches one place; collisions probe linearly. The
/// table stays at least twice the entries, doubling (and rehashing) as a build grows it, so that it
/// stays small enough for the caches; `reset` clears only the used slots.
final class LatticeHashTable {
    let keyLength: Int
    private(set) var count = 0
    /// Three words per slot: key low, key high, entry + 1 (0 = empty).
    private var slots: UnsafeMutablePointer<UInt64>
    private var mask: Int
    /// Keys in entry order.
    private let keys: GrowableBuffer<LatticeKey>
    /// Slot of each entry, so that `reset` touches only those.
    private let slotOfEntry: GrowableBuffer<Int32>

    init(keyLength: Int, initialEntries: Int) {
        precondition(keyLength <= 8, "lattice keys of more than 8 coordinates")
        self.keyLength = keyLength
        var size = 16
        while size < 2 &* initialEntries { size &<<= 1 }
        mask = size &- 1
        slots = .allocate(capacity: 3 &* size)
        slots.update(repeating: 0, count: 3 &* size)
        keys = GrowableBuffer(capacity: initialEntries)
        slotOfEntry = GrowableBuffer(capacity: initialEntries)
    }

    deinit { slots.deallocate() }

    func reset() {
        let used = slotOfEntry.pointer, table = slots
        for e in 0..<count { table[3 &* Int(used[e]) &+ 2] = 0 }
        count = 0
    }

    /// The key of entry `index`.
    @inline(__always)
    func key(_ index: Int) -> LatticeKey { keys.pointer[index] }

    /// The entry of `key`, or -1.
    @inline(__always)
    func find(_ key: LatticeKey) -> Int {
        let table = slots, mask = self.mask
        var slot = Int(truncatingIfNeeded: key.hash) & mask
        while true {
            let entry = table[3 &* slot &+ 2]
            if entry == 0 { return -1 }
            if table[3 &* slot] == key.low && table[3 &* slot &+ 1] == key.high { return Int(entry) &- 1 }
            slot = (slot &+ 1) & mask
        }
    }

    /// The entry of `key`, inserted when new.
    @inline(__always)
    func findOrInsert(_ key: LatticeKey) -> Int {
        let table = slots, mask = self.mask
        var slot = Int(truncatingIfNeeded: key.hash) & mask
        while true {
            let entry = table[3 &* slot &+ 2]
            if entry == 0 { break }
            if table[3 &* slot] == key.low && table[3 &* slot &+ 1] == key.high { return Int(entry) &- 1 }
            slot = (slot &+ 1) & mask
        }
        return insert(key, at: slot)
    }

    private func insert(_ key: LatticeKey, at slot: Int) -> Int {
        let entry = count
        keys.reserve(entry &+ 1, preserving: entry)
        slotOfEntry.reserve(entry &+ 1, preserving: entry)
        keys.pointer[entry] = key
        slotOfEntry.pointer[entry] = Int32(truncatingIfNeeded: slot)
        slots[3 &* slot] = key.low
        slots[3 &* slot &+ 1] = key.high
        slots[3 &* slot &+ 2] = UInt64(entry &+ 1)
        count = entry &+ 1
        if 2 &* count > mask { grow() }
        return entry
    }

    /// Doubles the slot table and places every entry again.
    private func grow() {
        let size = 2 &* (mask &+ 1)
        slots.deallocate()
        slots = .allocate(capacity: 3 &* size)
        slots.update(repeating: 0, count: 3 &* size)
        mask = size &- 1
        let table = slots, used = slotOfEntry.pointer
        for e in 0..<count {
            let key = keys.pointer[e]
            var slot = Int(truncatingIfNeeded: key.hash) & mask
            while table[3 &* slot &+ 2] != 0 { slot = (slot &+ 1) & mask }
            table[3 &* slot] = key.low
            table[3 &* slot &+ 1] = key.high
            table[3 &* slot &+ 2] = UInt64(e &+ 1)
            used[e] = Int32(truncatingIfNeeded: slot)
        }
    }
}
