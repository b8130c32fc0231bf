#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// One ring file opened read-only and validated: its mapping, which file it is, and the header
/// fields the writer fixed before renaming it into place.
final class RingAttachment {
    let mapping: RingMapping
    let identity: FileIdentity
    let generation: UInt64
    let writerPID: Int32
    let slotCount: Int
    let slotStride: Int
    let headerSize: Int
    let maskCapacity: Int
    let model: PublishedModel

    /// Opens `path` (O_RDONLY), maps it (PROT_READ, MAP_SHARED) and checks the header.
    init(path: String) throws(ShmRingError) {
        let descriptor = try RingSystemCalls.openFile(path, flags: O_RDONLY)
        defer { RingSystemCalls.closeFile(descriptor) }
        let status = try RingSystemCalls.status(of: descriptor, path: path)
        let size = Int(status.st_size)
        let staticHeader = ShmRingLayout.Header.heartbeat
        guard size >= staticHeader else { throw .truncated(path: path, size: size, needed: staticHeader) }
        let base = try RingSystemCalls.map(descriptor, size: size, writable: false, path: path)
        mapping = RingMapping(base: base, size: size)
        identity = FileIdentity(status)

        typealias Header = ShmRingLayout.Header
        let magic = mapping.load(Header.magic, as: UInt64.self)
        guard magic == ShmRingLayout.magic else { throw .badMagic(path: path, found: magic) }
        let version = mapping.load(Header.version, as: UInt32.self)
        guard version == ShmRingLayout.version else { throw .unsupportedVersion(path: path, found: version) }
        headerSize = Int(mapping.load(Header.headerSize, as: UInt32.self))
        slotCount = Int(mapping.load(Header.slotCount, as: UInt32.self))
        slotStride = Int(mapping.load(Header.slotStride, as: UInt32.self))
        maskCapacity = Int(mapping.load(Header.maskCapacity, as: UInt32.self))
        let classCount = Int(mapping.load(Header.classCount, as: UInt32.self))
        let width = Int(mapping.load(Header.maskWidth, as: UInt32.self))
        let height = Int(mapping.load(Header.maskHeight, as: UInt32.self))
        let alignment = ShmRingLayout.alignment
        if headerSize < Header.size || headerSize % alignment != 0 {
            throw .inconsistentHeader(path: path, reason: "header size \(headerSize) (at least \(Header.size), a multiple of \(alignment))")
        }
        if slotCount < 1 { throw .inconsistentHeader(path: path, reason: "no slots") }
        if maskCapacity % alignment != 0 || maskCapacity < width * height {
            throw .inconsistentHeader(path: path, reason: "mask capacity \(maskCapacity) for \(width)x\(height) masks (a multiple of \(alignment))")
        }
        if slotStride % alignment != 0 || slotStride < ShmRingLayout.Slot.mask + maskCapacity {
            throw .inconsistentHeader(path: path, reason: "slot stride \(slotStride) for \(maskCapacity) mask bytes")
        }
        if classCount > ShmRingLayout.classNameCapacity {
            throw .inconsistentHeader(path: path, reason: "\(classCount) classes (at most \(ShmRingLayout.classNameCapacity))")
        }
        let needed = ShmRingLayout.fileSize(headerSize: headerSize, slotCount: slotCount, slotStride: slotStride)
        guard size >= needed else { throw .truncated(path: path, size: size, needed: needed) }
        generation = mapping.load(Header.generation, as: UInt64.self)
        writerPID = mapping.load(Header.writerPID, as: Int32.self)
        let mapping = mapping
        let classNames = (0..<classCount).map { index in
            mapping.loadString(at: Header.classNames + index * ShmRingLayout.classNameSize, capacity: ShmRingLayout.classNameSize)
        }
        model = PublishedModel(
            modelID: mapping.loadString(at: Header.modelID, capacity: ShmRingLayout.modelIDSize),
            classNames: classNames, maskWidth: width, maskHeight: height)
    }

    var publishSequence: UnsafePointer<Atomic<UInt32>> {
        UnsafePointer(mapping.atomic32(at: ShmRingLayout.Header.publishSequence))
    }

    var latestSlot: UInt32 { mapping.atomic32(at: ShmRingLayout.Header.latestSlot).pointee.load(ordering: .acquiring) }

    var writerState: UInt32 { mapping.atomic32(at: ShmRingLayout.Header.writerState).pointee.load(ordering: .acquiring) }

    var heartbeat: UInt64 { mapping.atomic64(at: ShmRingLayout.Header.heartbeat).pointee.load(ordering: .acquiring) }

    func slot(_ index: Int) -> RingSlot {
        precondition(index >= 0 && index < slotCount, "slot \(index) of \(slotCount)")
        return RingSlot(base: mapping.base + headerSize + index * slotStride, maskCapacity: maskCapacity)
    }
}
