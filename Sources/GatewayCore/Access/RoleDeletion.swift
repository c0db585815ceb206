/// The outcome of deleting a custom role.
public enum RoleDeletion: Sendable, Equatable {
    case deleted
    case notFound
    /// Unrevoked keys still have the role: their ids.
    case inUse(keyIds: [String])
}
