import Foundation
import GRDB
import GatewayCore

/// `store copy`: everything read in one snapshot, and written into an empty file as it was.
extension SQLiteStore: StoreCopying {
    public func exportSnapshot() async throws -> StoreSnapshot {
        await auditJournalIndexed()
        return try await pool.read { db in
            var snapshot = StoreSnapshot()
            snapshot.keys = try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, id").map(Self.decodeKey)
            snapshot.roles = try Row.fetchAll(db, sql: "SELECT * FROM roles ORDER BY name").map { row in
                let scopes: String = row["scopes"]
                return StoreSnapshot.StoredRole(
                    role: Role(name: row["name"], scopes: Set(scopes.split(separator: ",").map { Scope(rawValue: String($0)) })),
                    createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
            snapshot.connections = try Row.fetchAll(db, sql: "SELECT * FROM connections ORDER BY location_id")
                .map(self.decode)
            snapshot.authorizationStates = try Row.fetchAll(db, sql: "SELECT * FROM authorization_states ORDER BY state")
                .map { row in
                    StoreSnapshot.StoredAuthorizationState(
                        state: AuthorizationState(
                            stateHash: row["state"], locationId: row["location_id"],
                            createdAt: Date(timeIntervalSince1970: row["created_at"]),
                            expiresAt: Date(timeIntervalSince1970: row["expires_at"])),
                        usedAt: (row["used_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
                }
            snapshot.auditBoundary = try Row.fetchOne(
                db, sql: "SELECT seq, hash, pruned_before_ms, pruned_at_ms FROM audit_checkpoint WHERE id = 1"
            ).map { StoreSnapshot.AuditBoundary(seq: $0[0], hash: $0[1], prunedBeforeMs: $0[2], prunedAtMs: $0[3]) }
            snapshot.auditCheckpoints = try Row.fetchAll(
                db, sql: "SELECT id, seq, note FROM audit_signed_checkpoints ORDER BY id"
            ).map { StoreSnapshot.AuditCheckpointRow(id: $0[0], seq: $0[1], note: $0[2]) }
            snapshot.subscriptions = try Row.fetchAll(db, sql: "SELECT * FROM webhook_subscriptions ORDER BY created_at, id")
                .map(self.decodeSubscription)
            snapshot.events = try Row.fetchAll(db, sql: "SELECT * FROM webhook_events ORDER BY received_at, id").map { row in
                WebhookEventRecord(
                    id: row["id"], type: row["type"], locationId: row["location_id"], contactId: row["contact_id"],
                    source: WebhookEventRecord.Source(rawValue: row["source"]) ?? .webhook,
                    receivedAt: Date(timeIntervalSince1970: row["received_at"]),
                    contactUpdatedAt: (row["contact_updated_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    body: Array(row["body"] as Data))
            }
            snapshot.deliveries = try Row.fetchAll(db, sql: "SELECT * FROM webhook_deliveries ORDER BY created_at, id")
                .map(WebhookColumns.delivery)
            for row in try Row.fetchAll(db, sql: "SELECT location_id, cursor FROM reconciliation_cursors") {
                snapshot.reconciliationCursors[row[0]] = Date(timeIntervalSince1970: row[1])
            }
            return snapshot
        }
    }

    public func storeContents() async throws -> StoreContents {
        await auditJournalIndexed()
        return try await pool.read { db in try Self.contents(db) }
    }

    static func contents(_ db: Database) throws -> StoreContents {
        func count(_ table: String) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
        var contents = StoreContents()
        contents.keys = try count("api_keys")
        contents.roles = try count("roles")
        contents.connections = try count("connections")
        contents.authorizationStates = try count("authorization_states")
        contents.auditRecords = try count("audit_records")
        contents.auditBoundaries = try count("audit_checkpoint")
        contents.auditCheckpoints = try count("audit_signed_checkpoints")
        contents.subscriptions = try count("webhook_subscriptions")
        contents.events = try count("webhook_events")
        contents.deliveries = try count("webhook_deliveries")
        contents.reconciliationCursors = try count("reconciliation_cursors")
        contents.consoleSessions = try count("console_sessions")
        contents.refreshAttempts = try count("refresh_attempts")
        return contents
    }

    public func importSnapshot(_ snapshot: StoreSnapshot) async throws {
        // Sealed before the transaction: the cipher's work need not hold the file's write lock.
        let connections = try snapshot.connections.map { ($0, try seal($0)) }
        let subscriptions = try snapshot.subscriptions.map {
            ($0, try cipher.seal($0.secret, context: Self.secretContext($0.id)))
        }
        try await pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let contents = try Self.contents(db)
                guard contents.isEmpty else { throw StoreNotEmpty(contents: contents) }
                for key in snapshot.keys {
                    try db.execute(
                        sql: """
                            INSERT INTO api_keys (id, name, role, secret_hash, locations, rate, burst, expires_at,
                                created_at, last_used_at, revoked_at, previous_secret_hash, previous_expires_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            key.id, key.name, key.role, key.secretHash, key.locations?.joined(separator: ","), key.rate,
                            key.burst, key.expiresAt?.timeIntervalSince1970, key.createdAt.timeIntervalSince1970,
                            key.lastUsedAt?.timeIntervalSince1970, key.revokedAt?.timeIntervalSince1970,
                            key.previousSecretHash, key.previousSecretExpiresAt?.timeIntervalSince1970,
                        ])
                }
                for stored in snapshot.roles {
                    try db.execute(
                        sql: "INSERT INTO roles (name, scopes, created_at) VALUES (?, ?, ?)",
                        arguments: [
                            stored.role.name, stored.role.scopes.sorted().map(\.rawValue).joined(separator: ","),
                            stored.createdAt.timeIntervalSince1970,
                        ])
                }
                for (c, sealed) in connections {
                    try db.execute(
                        sql: """
                            INSERT INTO connections (location_id, kind, access_token, refresh_token, issued_at,
                                expires_at, scope, company_id, user_id, status, status_detail, generation, created_at,
                                updated_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            c.locationId, c.kind.rawValue, sealed.access, sealed.refresh,
                            c.accessTokenIssuedAt?.timeIntervalSince1970, c.accessTokenExpiresAt?.timeIntervalSince1970,
                            c.scope, c.companyId, c.userId, c.status.rawValue, c.statusDetail, c.generation,
                            c.createdAt.timeIntervalSince1970, c.updatedAt.timeIntervalSince1970,
                        ])
                }
                for stored in snapshot.authorizationStates {
                    let s = stored.state
                    try db.execute(
                        sql: """
                            INSERT INTO authorization_states (state, location_id, created_at, expires_at, used_at)
                            VALUES (?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            s.stateHash, s.locationId, s.createdAt.timeIntervalSince1970, s.expiresAt.timeIntervalSince1970,
                            stored.usedAt?.timeIntervalSince1970,
                        ])
                }
                if let b = snapshot.auditBoundary {
                    try db.execute(
                        sql: """
                            INSERT INTO audit_checkpoint (id, seq, hash, pruned_before_ms, pruned_at_ms)
                            VALUES (1, ?, ?, ?, ?)
                            """,
                        arguments: [b.seq, b.hash, b.prunedBeforeMs, b.prunedAtMs])
                }
                for row in snapshot.auditCheckpoints {
                    try db.execute(
                        sql: "INSERT INTO audit_signed_checkpoints (id, seq, note) VALUES (?, ?, ?)",
                        arguments: [row.id, row.seq, row.note])
                }
                for (s, secret) in subscriptions {
                    try db.execute(
                        sql: """
                            INSERT INTO webhook_subscriptions
                                (id, url, events, locations, enrich, secret, created_at, disabled_at, disabled_reason)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            s.id, s.url, WebhookColumns.list(s.events), WebhookColumns.list(s.locations), s.enrich,
                            secret, s.createdAt.timeIntervalSince1970, s.disabledAt?.timeIntervalSince1970,
                            s.disabledReason,
                        ])
                }
                for e in snapshot.events {
                    try db.execute(
                        sql: """
                            INSERT INTO webhook_events
                                (id, type, location_id, contact_id, source, received_at, contact_updated_at, body)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            e.id, e.type, e.locationId, e.contactId, e.source.rawValue, e.receivedAt.timeIntervalSince1970,
                            e.contactUpdatedAt?.timeIntervalSince1970, Data(e.body),
                        ])
                }
                for d in snapshot.deliveries {
                    let p = d.progress
                    try db.execute(
                        sql: """
                            INSERT INTO webhook_deliveries (id, subscription_id, event_id, type, location_id, created_at,
                                status, attempts, next_attempt_at, last_status, last_error)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            d.id, d.subscriptionId, d.eventId, d.type, d.locationId, d.createdAt.timeIntervalSince1970,
                            p.status.rawValue, p.attempts, p.nextAttemptAt?.timeIntervalSince1970, p.lastStatus,
                            p.lastError,
                        ])
                }
                for (locationId, cursor) in snapshot.reconciliationCursors {
                    try db.execute(
                        sql: "INSERT INTO reconciliation_cursors (location_id, cursor) VALUES (?, ?)",
                        arguments: [locationId, cursor.timeIntervalSince1970])
                }
                return .commit
            }
        }
    }

    public func importAuditRecords(_ records: [AuditRecord]) async throws {
        guard !records.isEmpty else { return }
        try await pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let insert = AuditInsert(try db.cachedStatement(sql: Self.auditInsertSQL))
                for record in records { try insert.execute(record, in: db) }
                return .commit
            }
        }
    }
}
