/// The byte layout of a mask ring file, version 1, as `docs/shm-ring.md` tables it: every
/// position is an offset from the start of the file (never a pointer), every integer is
/// little-endian and naturally aligned. Readers take the header size and slot stride from the
/// header rather than from these constants, so a later version may grow both.
public enum ShmRingLayout {
    /// "SEGDRING" read as a little-endian UInt64 (the bytes `S E G D R I N G` in file order).
    public static let magic: UInt64 = 0x474E_4952_4447_4553
    /// The layout version this code writes and reads.
    public static let version: UInt32 = 1
    /// Alignment of the header size, the slot stride and every mask (a cache line).
    public static let alignment = 64

    /// Header field offsets. The first 64 bytes are written once, before the file is renamed
    /// into place; the next 64 are the writer's live, atomically accessed fields.
    public enum Header {
        public static let magic = 0              // u64
        public static let version = 8            // u32
        public static let headerSize = 12        // u32, bytes, multiple of 64
        public static let slotCount = 16         // u32
        public static let slotStride = 20        // u32, bytes, multiple of 64
        public static let maskCapacity = 24      // u32, bytes per slot, multiple of 64
        public static let classCount = 28        // u32, 0...256
        public static let generation = 32        // u64
        public static let writerPID = 40         // i32
        public static let maskWidth = 44         // u32, pixels
        public static let maskHeight = 48        // u32, pixels
        public static let reserved = 52          // 12 bytes of zero
        public static let heartbeat = 64         // u64 atomic, CLOCK_MONOTONIC ns
        public static let writerState = 72       // u32 atomic, `ShmRingWriterState`
        public static let publishSequence = 76   // u32 atomic futex word, +1 per publish and on close
        public static let latestFrame = 80       // u64 atomic, frame number of the newest publish
        public static let latestSlot = 88        // u32 atomic, slot of the newest publish; noSlot before
        public static let modelID = 128          // 64 bytes, UTF-8, NUL-terminated
        public static let classNames = 192       // classNameCapacity entries of classNameSize bytes
        /// The header's size in this version (a multiple of 64).
        public static let size = 8384
    }

    /// Slot field offsets, from the start of the slot. All fields but the seqlock are plain data
    /// accessed with relaxed atomics inside the seqlock's critical section.
    public enum Slot {
        public static let sequence = 0           // u64 seqlock: odd while the writer fills the slot
        public static let frameNumber = 8        // u64
        public static let captureTimestamp = 16  // u64, CLOCK_MONOTONIC ns
        public static let publishTimestamp = 24  // u64, CLOCK_MONOTONIC ns just before release
        public static let inferenceTime = 32     // u64, ns
        public static let width = 40             // u32, pixels
        public static let height = 44            // u32, pixels
        public static let classCount = 48        // u32
        public static let maskByteCount = 52     // u32
        public static let checksum = 56          // u64, `MaskChecksum` of the mask bytes
        public static let mask = 64              // the mask, 64-byte aligned, zero-padded to 32 bytes
    }

    /// `latestSlot` before the first publish.
    public static let noSlot = UInt32.max
    /// Model id field size, bytes (at most 63 bytes of text and a NUL).
    public static let modelIDSize = 64
    /// Class name entry size, bytes (at most 31 bytes of text and a NUL).
    public static let classNameSize = 32
    /// Class name entries in the header: the most classes a ring describes.
    public static let classNameCapacity = 256

    /// The mask bytes a slot holds for `maskByteCount` pixels: rounded up to 64.
    public static func maskCapacity(forMaskBytes maskByteCount: Int) -> Int {
        roundUp(max(maskByteCount, 1), to: alignment)
    }

    /// Bytes from one slot to the next for a slot holding `maskCapacity` mask bytes.
    public static func slotStride(maskCapacity: Int) -> Int {
        roundUp(Slot.mask + maskCapacity, to: alignment)
    }

    /// The file size of a ring with these dimensions.
    public static func fileSize(headerSize: Int, slotCount: Int, slotStride: Int) -> Int {
        headerSize + slotCount * slotStride
    }

    static func roundUp(_ value: Int, to multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }
}
