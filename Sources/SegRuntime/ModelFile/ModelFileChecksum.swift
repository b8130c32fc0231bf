/// XXH64 (seed 0) of `bytes`: the compiled model's checksum. Standard xxHash64, so any tool
/// can verify a file (`xxhsum -H64`, Python `xxhash.xxh64`); it consumes 32 bytes per step in
/// four independent multiply chains, several times faster than byte-wise FNV-1a.
public func xxHash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always) func rotate(_ value: UInt64, _ bits: UInt64) -> UInt64 {
        (value &<< bits) | (value &>> (64 &- bits))
    }
    @inline(__always) func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotate(accumulator &+ input &* prime2, 31) &* prime1
    }
    @inline(__always) func merge(_ hash: UInt64, _ accumulator: UInt64) -> UInt64 {
        (hash ^ round(0, accumulator)) &* prime1 &+ prime4
    }
    @inline(__always) func load64(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    let count = bytes.count
    var offset = 0
    var hash: UInt64
    if count >= 32 {
        var lane1 = prime1 &+ prime2
        var lane2 = prime2
        var lane3: UInt64 = 0
        var lane4 = 0 &- prime1
        while offset &+ 32 <= count {
            lane1 = round(lane1, load64(offset))
            lane2 = round(lane2, load64(offset &+ 8))
            lane3 = round(lane3, load64(offset &+ 16))
            lane4 = round(lane4, load64(offset &+ 24))
            offset &+= 32
        }
        hash = rotate(lane1, 1) &+ rotate(lane2, 7) &+ rotate(lane3, 12) &+ rotate(lane4, 18)
        hash = merge(hash, lane1)
        hash = merge(hash, lane2)
        hash = merge(hash, lane3)
        hash = merge(hash, lane4)
    } else {
        hash = prime5
    }
    hash &+= UInt64(count)
    while offset &+ 8 <= count {
        hash = rotate(hash ^ round(0, load64(offset)), 27) &* prime1 &+ prime4
        offset &+= 8
    }
    if offset &+ 4 <= count {
        let word = UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        hash = rotate(hash ^ (word &* prime1), 23) &* prime2 &+ prime3
        offset &+= 4
    }
    while offset < count {
        hash = rotate(hash ^ (UInt64(bytes[offset]) &* prime5), 11) &* prime1
        offset &+= 1
    }
    hash ^= hash >> 33
    hash &*= prime2
    hash ^= hash >> 29
    hash &*= prime3
    hash ^= hash >> 32
    return hash
}
