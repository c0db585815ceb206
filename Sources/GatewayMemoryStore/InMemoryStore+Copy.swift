import Foundation
import GatewayCore
import Synchronization

/// `store copy` in memory: under all three locks at once, as one transaction holds everything in the other stores.
/// The prune boundary keeps only its seq and hash here (its times read back as 0).
extension InMemoryStore: StoreCopying {
    public func exportSnapshot() async throws -> StoreSnapshot {
        state.withLock { s in
            audit.withLock { a in
                webhooks.withLock { w in
                    var snapshot = StoreSnapshot()
                    snapshot.keys = s.keys.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
                    snapshot.roles = s.roles.values.sorted { $0.role.name < $1.role.name }
                        .map { StoreSnapshot.StoredRole(role: $0.role, createdAt: $0.createdAt) }
                    snapshot.connections = s.connections.values.sorted { $0.locationId < $1.locationId }
                    snapshot.authorizationStates = s.states.values.sorted { $0.state.stateHash < $1.state.stateHash }
                        .map { StoreSnapshot.StoredAuthorizationState(state: $0.state, usedAt: $0.usedAt) }
                    snapshot.auditBoundary = a.boundary.map {
                        StoreSnapshot.AuditBoundary(seq: $0.seq, hash: $0.hash, prunedBeforeMs: 0, prunedAtMs: 0)
                    }
                    snapshot.auditCheckpoints = a.checkpoints.map {
                        StoreSnapshot.AuditCheckpointRow(id: $0.id, seq: $0.seq, note: $0.note)
                    }
                    snapshot.subscriptions = w.subscriptions.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
                    snapshot.events = w.events.values.sorted { ($0.receivedAt, $0.id) < ($1.receivedAt, $1.id) }
                    snapshot.deliveries = w.deliveries.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
                    snapshot.reconciliationCursors = w.cursors
                    return snapshot
                }
            }
        }
    }

    public func storeContents() async throws -> StoreContents {
        state.withLock { s in audit.withLock { a in webhooks.withLock { w in Self.contents(s, a, w) } } }
    }

    static func contents(_ s: State, _ a: AuditState, _ w: WebhookState) -> StoreContents {
        var contents = StoreContents()
        contents.keys = s.keys.count
        contents.roles = s.roles.count
        contents.connections = s.connections.count
        contents.authorizationStates = s.states.count
        contents.consoleSessions = s.consoleSessions.count
        contents.refreshAttempts = s.refreshAttempts.count
        contents.auditRecords = a.records.count
        contents.auditBoundaries = a.boundary == nil ? 0 : 1
        contents.auditCheckpoints = a.checkpoints.count
        contents.subscriptions = w.subscriptions.count
        contents.events = w.events.count
        contents.deliveries = w.deliveries.count
        contents.reconciliationCursors = w.cursors.count
        return contents
    }

    public func importSnapshot(_ snapshot: StoreSnapshot) async throws {
        try state.withLock { s in
            try audit.withLock { a in
                try webhooks.withLock { w in
                    let contents = Self.contents(s, a, w)
                    guard contents.isEmpty else { throw StoreNotEmpty(contents: contents) }
                    for key in snapshot.keys { s.keys[key.id] = key }
                    for stored in snapshot.roles { s.roles[stored.role.name] = (stored.role, stored.createdAt) }
                    for connection in snapshot.connections { s.connections[connection.locationId] = connection }
                    for stored in snapshot.authorizationStates {
                        s.states[stored.state.stateHash] = (stored.state, stored.usedAt)
                    }
                    a.boundary = snapshot.auditBoundary.map { (seq: $0.seq, hash: $0.hash) }
                    a.checkpoints = snapshot.auditCheckpoints.map { (id: $0.id, seq: $0.seq, note: $0.note) }
                    a.nextCheckpointId = (snapshot.auditCheckpoints.map(\.id).max() ?? 0) + 1
                    for subscription in snapshot.subscriptions { w.subscriptions[subscription.id] = subscription }
                    for event in snapshot.events { w.events[event.id] = event }
                    for delivery in snapshot.deliveries { w.deliveries[delivery.id] = delivery }
                    w.cursors = snapshot.reconciliationCursors
                }
            }
        }
    }

    public func importAuditRecords(_ records: [AuditRecord]) async throws {
        audit.withLock { a in
            a.records.append(contentsOf: records)
            a.records.sort { $0.seq < $1.seq }
        }
    }
}
