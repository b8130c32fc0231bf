/// The writer's state word in the ring header (`writer_state`, u32).
public enum ShmRingWriterState: UInt32, Sendable {
    /// The writer is initialising the file; it becomes `running` right after the file is
    /// renamed into place.
    case starting = 0
    /// A writer owns the ring and publishes into it.
    case running = 1
    /// The writer shut down cleanly; a new writer, if any, uses a new file at the same path.
    case closed = 2
}
