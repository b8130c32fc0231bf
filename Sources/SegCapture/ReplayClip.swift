import Glibc
import SegKernels

/// The JPEG frames of a replay, in memory for the source's lifetime: an MJPEG sequence file
/// (concatenated JPEGs, mapped read-only) or a folder of `.jpg` / `.jpeg` files (read into one
/// buffer, in name order). Indexed once, when it is opened; immutable afterwards.
final class ReplayClip {
    /// The frames' bytes.
    let base: UnsafeRawPointer
    /// Each frame's range in `base`.
    let frames: [Range<Int>]
    let width: Int
    let height: Int

    /// What owns `base`: a `MappedFile` or an `AlignedBuffer`.
    private let storage: AnyObject

    /// Says a frame's bytes will not be read again soon: a mapped clip's pages go back to the page
    /// cache, so that the resident memory of a long clip stays one frame, not the whole file.
    func release(_ range: Range<Int>) {
        (storage as? MappedFile)?.release(range)
    }

    /// Opens and indexes `path`.
    /// - Throws: `CaptureError.unusable` naming the file and what is wrong with it.
    init(path: String) throws(CaptureError) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw CaptureError.unusable(device: path, reason: "cannot open: \(ReplayClip.errorText())") }
        var images: [(image: JPEGBoundaries.Image, file: String)] = []
        if status.st_mode & S_IFMT == S_IFDIR {
            let files = try ReplayClip.jpegFiles(in: path)
            var sizes: [Int] = []
            for file in files { sizes.append(try ReplayClip.fileSize(file)) }
            let buffer = AlignedBuffer(byteCount: sizes.reduce(0, +))
            var offset = 0
            for (file, size) in zip(files, sizes) {
                try ReplayClip.read(file, size: size, into: buffer.pointer + offset)
                let bytes = UnsafeRawBufferPointer(start: buffer.pointer + offset, count: size)
                guard let image = JPEGBoundaries.nextImage(in: bytes, from: 0) else {
                    throw CaptureError.unusable(device: file, reason: "is not a whole JPEG image")
                }
                var shifted = image
                shifted.range = (image.range.lowerBound + offset)..<(image.range.upperBound + offset)
                images.append((shifted, file))
                offset += size
            }
            storage = buffer
            base = UnsafeRawPointer(buffer.pointer)
        } else {
            let length = Int(status.st_size)
            guard length > 0 else { throw CaptureError.unusable(device: path, reason: "is empty") }
            let mapped = try MappedFile(path, length: length)
            storage = mapped
            base = UnsafeRawPointer(mapped.pointer)
            let bytes = UnsafeRawBufferPointer(start: base, count: length)
            var offset = 0, released = 0
            while let image = JPEGBoundaries.nextImage(in: bytes, from: offset) {
                images.append((image, "frame \(images.count) of \(path)"))
                offset = image.range.upperBound
                // Indexing reads the whole file once; keep only the last few MB of it resident.
                if offset - released > 4 << 20 {
                    mapped.release(released..<offset)
                    released = offset
                }
            }
            guard !images.isEmpty else { throw CaptureError.unusable(device: path, reason: "holds no JPEG frames") }
            mapped.release(released..<length)
        }
        let first = images[0].image
        if let other = images.first(where: { $0.image.width != first.width || $0.image.height != first.height }) {
            throw CaptureError.unusable(
                device: path,
                reason: "frames of different sizes: \(other.file) is \(other.image.width)x\(other.image.height), "
                    + "\(images[0].file) \(first.width)x\(first.height)")
        }
        width = first.width
        height = first.height
        frames = images.map(\.image.range)
    }

    /// The `.jpg` and `.jpeg` files of `directory` (any case), sorted by name.
    private static func jpegFiles(in directory: String) throws(CaptureError) -> [String] {
        guard let stream = opendir(directory) else {
            throw CaptureError.unusable(device: directory, reason: "cannot list: \(errorText())")
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            let lowered = name.lowercased()
            if lowered.hasSuffix(".jpg") || lowered.hasSuffix(".jpeg") { names.append(name) }
        }
        guard !names.isEmpty else { throw CaptureError.unusable(device: directory, reason: "holds no .jpg or .jpeg files") }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return names.sorted().map { prefix + $0 }
    }

    private static func fileSize(_ path: String) throws(CaptureError) -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else { throw CaptureError.unusable(device: path, reason: "cannot open: \(errorText())") }
        guard status.st_size > 0 else { throw CaptureError.unusable(device: path, reason: "is empty") }
        return Int(status.st_size)
    }

    /// Reads the `size` bytes of `path` into `target`.
    private static func read(_ path: String, size: Int, into target: UnsafeMutableRawPointer) throws(CaptureError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CaptureError.unusable(device: path, reason: "cannot open: \(errorText())") }
        defer { close(fd) }
        var done = 0
        while done < size {
            let count = Glibc.read(fd, target + done, size - done)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw CaptureError.unusable(device: path, reason: count == 0 ? "changed while being read" : "cannot read: \(errorText())")
            }
            done += count
        }
    }

    fileprivate static func errorText() -> String { String(cString: strerror(errno)) }
}

/// A file mapped read-only, unmapped with the object (also when the clip's init fails after
/// mapping it).
private final class MappedFile {
    let pointer: UnsafeMutableRawPointer
    let length: Int

    /// Maps the first `length` bytes of `path`.
    init(_ path: String, length: Int) throws(CaptureError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CaptureError.unusable(device: path, reason: "cannot open: \(ReplayClip.errorText())") }
        defer { close(fd) }
        guard let pointer = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED else {
            throw CaptureError.unusable(device: path, reason: "cannot map: \(ReplayClip.errorText())")
        }
        self.pointer = pointer
        self.length = length
    }

    deinit { munmap(pointer, length) }

    /// Drops the whole pages inside `range` from this process's resident set (MADV_DONTNEED on a
    /// read-only file mapping: the next access reads them from the page cache again).
    func release(_ range: Range<Int>) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page, end = range.upperBound / page * page
        guard end > start else { return }
        _ = madvise(pointer + start, end - start, MADV_DONTNEED)
    }
}
