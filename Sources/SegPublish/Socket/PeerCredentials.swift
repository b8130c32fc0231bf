/// Who is at the other end of a Unix socket, from SO_PEERCRED (as of connect time).
public struct PeerCredentials: Equatable, Sendable, CustomStringConvertible {
    public var processID: Int32
    public var userID: UInt32
    public var groupID: UInt32

    public init(processID: Int32, userID: UInt32, groupID: UInt32) {
        self.processID = processID
        self.userID = userID
        self.groupID = groupID
    }

    public var description: String { "pid \(processID) uid \(userID) gid \(groupID)" }
}

/// Which peers a server admits: everyone when both lists are empty, otherwise peers whose uid is
/// in `userIDs` or whose primary gid (the only one SO_PEERCRED reports) is in `groupIDs`.
public struct PeerAdmission: Equatable, Sendable {
    public var userIDs: [UInt32]
    public var groupIDs: [UInt32]

    public init(userIDs: [UInt32] = [], groupIDs: [UInt32] = []) {
        self.userIDs = userIDs
        self.groupIDs = groupIDs
    }

    public func admits(_ peer: PeerCredentials) -> Bool {
        (userIDs.isEmpty && groupIDs.isEmpty) || userIDs.contains(peer.userID) || groupIDs.contains(peer.groupID)
    }
}
