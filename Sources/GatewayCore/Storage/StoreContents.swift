/// How many rows of each kind a store holds: what `store copy` reports, and what makes a target not empty.
public struct StoreContents: Sendable, Equatable {
    public var keys = 0
    public var roles = 0
    public var connections = 0
    public var authorizationStates = 0
    public var auditRecords = 0
    /// The prune boundary counts as one: a trail once pruned is not empty.
    public var auditBoundaries = 0
    public var auditCheckpoints = 0
    public var subscriptions = 0
    public var events = 0
    public var deliveries = 0
    public var reconciliationCursors = 0
    /// Not copied, but data all the same: a target that holds them is not empty.
    public var consoleSessions = 0
    public var refreshAttempts = 0

    public init() {}

    /// Each kind present, named with its count, in a fixed order: "2 API keys, 14 audit records".
    public var present: [String] {
        let kinds: [(Int, String, String)] = [
            (keys, "API key", "API keys"), (roles, "role", "roles"), (connections, "connection", "connections"),
            (authorizationStates, "authorization state", "authorization states"),
            (auditRecords, "audit record", "audit records"),
            (auditBoundaries, "audit prune boundary", "audit prune boundaries"),
            (auditCheckpoints, "signed audit checkpoint", "signed audit checkpoints"),
            (subscriptions, "webhook subscription", "webhook subscriptions"),
            (events, "webhook event", "webhook events"), (deliveries, "webhook delivery", "webhook deliveries"),
            (reconciliationCursors, "reconciliation cursor", "reconciliation cursors"),
            (consoleSessions, "console session", "console sessions"),
            (refreshAttempts, "refresh journal entry", "refresh journal entries"),
        ]
        return kinds.filter { $0.0 > 0 }.map { "\($0.0) \($0.0 == 1 ? $0.1 : $0.2)" }
    }

    public var isEmpty: Bool { present.isEmpty }
}

/// A store `store copy` was pointed at holds data already: nothing was written to it.
public struct StoreNotEmpty: Error, CustomStringConvertible {
    public var contents: StoreContents

    public init(contents: StoreContents) { self.contents = contents }

    public var description: String {
        "the target is not empty (it holds " + contents.present.joined(separator: ", ")
            + "): store copy writes only into an empty store, never merges; nothing was written"
    }
}
