import Foundation

/// Everything a store holds that `store copy` moves, but the audit records (read and written a page at a time):
/// keys with their hashes and dates of use, custom roles, connections, authorization states, the trail's prune
/// boundary and signed checkpoints, webhook subscriptions, events, deliveries and reconciliation cursors.
///
/// Tokens and subscription secrets are held open here, in memory only: each store seals them again as it writes,
/// under the same secret, so a target opened with another secret could never hold them.
/// Console sessions and the refresh journal are left behind: a session is a browser's login, and the journal is only
/// meaningful to the gateways that wrote it.
public struct StoreSnapshot: Sendable, Equatable {
    public struct StoredRole: Sendable, Equatable {
        public var role: Role
        public var createdAt: Date

        public init(role: Role, createdAt: Date) {
            self.role = role
            self.createdAt = createdAt
        }
    }

    public struct StoredAuthorizationState: Sendable, Equatable {
        public var state: AuthorizationState
        public var usedAt: Date?

        public init(state: AuthorizationState, usedAt: Date?) {
            self.state = state
            self.usedAt = usedAt
        }
    }

    /// Where verification starts after a prune: the last pruned record's seq and hash.
    public struct AuditBoundary: Sendable, Equatable {
        public var seq: Int64
        public var hash: String
        public var prunedBeforeMs: Int64
        public var prunedAtMs: Int64

        public init(seq: Int64, hash: String, prunedBeforeMs: Int64, prunedAtMs: Int64) {
            self.seq = seq
            self.hash = hash
            self.prunedBeforeMs = prunedBeforeMs
            self.prunedAtMs = prunedAtMs
        }
    }

    /// A signed checkpoint's row: its id (the order written), the seq it is filed under and the note as signed.
    public struct AuditCheckpointRow: Sendable, Equatable {
        public var id: Int64
        public var seq: Int64
        public var note: String

        public init(id: Int64, seq: Int64, note: String) {
            self.id = id
            self.seq = seq
            self.note = note
        }
    }

    public var keys: [APIKey] = []
    public var roles: [StoredRole] = []
    public var connections: [Connection] = []
    public var authorizationStates: [StoredAuthorizationState] = []
    public var auditBoundary: AuditBoundary?
    public var auditCheckpoints: [AuditCheckpointRow] = []
    public var subscriptions: [WebhookSubscription] = []
    public var events: [WebhookEventRecord] = []
    /// Without their leases: a lease belongs to the gateway that took it.
    public var deliveries: [WebhookDelivery] = []
    public var reconciliationCursors: [String: Date] = [:]

    public init() {}
}
