import Foundation
import GatewayCore
import PostgresNIO

/// `store copy`: everything read in one REPEATABLE READ snapshot, and written into an empty database as it was.
extension PostgresStore: StoreCopying {
    public func exportSnapshot() async throws -> StoreSnapshot {
        let logger = logger
        let rows = try await transaction(.lease) { connection in
            // The first statement of the transaction: every later read sees the same committed state.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            func all(_ sql: String) async throws -> [PostgresRow] {
                try await connection.rows(PostgresQuery(unsafeSQL: sql), logger: logger)
            }
            return (
                keys: try await all("SELECT \(Self.keyColumns) FROM api_keys ORDER BY created_at, id COLLATE \"C\""),
                roles: try await all("SELECT name, scopes, created_at FROM roles ORDER BY name COLLATE \"C\""),
                connections: try await all(
                    "SELECT \(Self.connectionColumns) FROM connections ORDER BY location_id COLLATE \"C\""),
                states: try await all(
                    "SELECT state, location_id, created_at, expires_at, used_at FROM authorization_states ORDER BY state"),
                boundary: try await all(
                    "SELECT seq, hash, pruned_before_ms, pruned_at_ms FROM audit_checkpoint WHERE id = 1"),
                checkpoints: try await all("SELECT id, seq, note FROM audit_signed_checkpoints ORDER BY id"),
                subscriptions: try await all("""
                    SELECT id, url, events, locations, enrich, secret, created_at, disabled_at, disabled_reason
                    FROM webhook_subscriptions ORDER BY created_at, id COLLATE "C"
                    """),
                events: try await all("""
                    SELECT id, type, location_id, contact_id, source, received_at, contact_updated_at, body
                    FROM webhook_events ORDER BY received_at, id COLLATE "C"
                    """),
                deliveries: try await all(
                    "SELECT \(Self.deliveryColumns) FROM webhook_deliveries ORDER BY created_at, id COLLATE \"C\""),
                cursors: try await all("SELECT location_id, cursor FROM reconciliation_cursors")
            )
        }
        var snapshot = StoreSnapshot()
        snapshot.keys = try rows.keys.map(Self.decodeKey)
        snapshot.roles = try rows.roles.map { row in
            let (name, scopes, createdAt) = try row.decode((String, String, Double).self)
            return StoreSnapshot.StoredRole(
                role: Role(name: name, scopes: Set(scopes.split(separator: ",").map { Scope(rawValue: String($0)) })),
                createdAt: Date(timeIntervalSince1970: createdAt))
        }
        snapshot.connections = try rows.connections.map(decode)
        snapshot.authorizationStates = try rows.states.map { row in
            let (state, locationId, createdAt, expiresAt, usedAt) = try row.decode(
                (String, String?, Double, Double, Double?).self)
            return StoreSnapshot.StoredAuthorizationState(
                state: AuthorizationState(
                    stateHash: state, locationId: locationId, createdAt: Date(timeIntervalSince1970: createdAt),
                    expiresAt: Date(timeIntervalSince1970: expiresAt)),
                usedAt: usedAt.map(Date.init(timeIntervalSince1970:)))
        }
        snapshot.auditBoundary = try rows.boundary.first.map { row in
            let (seq, hash, before, at) = try row.decode((Int64, String, Int64, Int64).self)
            return StoreSnapshot.AuditBoundary(seq: seq, hash: hash, prunedBeforeMs: before, prunedAtMs: at)
        }
        snapshot.auditCheckpoints = try rows.checkpoints.map { row in
            let (id, seq, note) = try row.decode((Int64, Int64, String).self)
            return StoreSnapshot.AuditCheckpointRow(id: id, seq: seq, note: note)
        }
        snapshot.subscriptions = try rows.subscriptions.map(decodeSubscription)
        snapshot.events = try rows.events.map { row in
            let (id, type, locationId, contactId, source, receivedAt, contactUpdatedAt, body) = try row.decode(
                (String, String, String?, String?, String, Double, Double?, Data).self)
            return WebhookEventRecord(
                id: id, type: type, locationId: locationId, contactId: contactId,
                source: WebhookEventRecord.Source(rawValue: source) ?? .webhook,
                receivedAt: Date(timeIntervalSince1970: receivedAt),
                contactUpdatedAt: contactUpdatedAt.map(Date.init(timeIntervalSince1970:)), body: Array(body))
        }
        snapshot.deliveries = try rows.deliveries.map(Self.decodeDelivery)
        for row in rows.cursors {
            let (locationId, cursor) = try row.decode((String, Double).self)
            snapshot.reconciliationCursors[locationId] = Date(timeIntervalSince1970: cursor)
        }
        return snapshot
    }

    public func storeContents() async throws -> StoreContents {
        let logger = logger
        return try await pooled { connection in try await Self.contents(connection, logger: logger) }
    }

    static func contents(_ connection: PostgresConnection, logger: Logger) async throws -> StoreContents {
        let tables = [
            "api_keys", "roles", "connections", "authorization_states", "audit_records", "audit_checkpoint",
            "audit_signed_checkpoints", "webhook_subscriptions", "webhook_events", "webhook_deliveries",
            "reconciliation_cursors", "console_sessions", "refresh_attempts",
        ]
        let sql = "SELECT " + tables.map { "(SELECT COUNT(*) FROM \($0))" }.joined(separator: ", ")
        guard let row = try await connection.rows(PostgresQuery(unsafeSQL: sql), logger: logger).first else {
            return StoreContents()
        }
        let counts = try row.makeRandomAccess().map { Int(try $0.decode(Int64.self)) }
        var contents = StoreContents()
        contents.keys = counts[0]
        contents.roles = counts[1]
        contents.connections = counts[2]
        contents.authorizationStates = counts[3]
        contents.auditRecords = counts[4]
        contents.auditBoundaries = counts[5]
        contents.auditCheckpoints = counts[6]
        contents.subscriptions = counts[7]
        contents.events = counts[8]
        contents.deliveries = counts[9]
        contents.reconciliationCursors = counts[10]
        contents.consoleSessions = counts[11]
        contents.refreshAttempts = counts[12]
        return contents
    }

    public func importSnapshot(_ snapshot: StoreSnapshot) async throws {
        let connections = try snapshot.connections.map { ($0, try seal($0)) }
        let subscriptions = try snapshot.subscriptions.map {
            ($0, try cipher.seal($0.secret, context: Self.secretContext($0.id)))
        }
        let logger = logger
        try await transaction(.lease) { connection in
            // The trail's lock: no gateway appends between the check that the database is empty and the copy.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.auditLockKey))", logger: logger)
            let contents = try await Self.contents(connection, logger: logger)
            guard contents.isEmpty else { throw StoreNotEmpty(contents: contents) }
            for key in snapshot.keys {
                try await connection.query(
                    """
                    INSERT INTO api_keys (id, name, role, secret_hash, locations, rate, burst, expires_at, created_at,
                        last_used_at, revoked_at, previous_secret_hash, previous_expires_at)
                    VALUES (\(key.id), \(key.name), \(key.role), \(key.secretHash),
                        \(key.locations?.joined(separator: ",")), \(key.rate), \(key.burst.map(Int64.init)),
                        \(key.expiresAt?.timeIntervalSince1970), \(key.createdAt.timeIntervalSince1970),
                        \(key.lastUsedAt?.timeIntervalSince1970), \(key.revokedAt?.timeIntervalSince1970),
                        \(key.previousSecretHash), \(key.previousSecretExpiresAt?.timeIntervalSince1970))
                    """, logger: logger)
            }
            for stored in snapshot.roles {
                let scopes = stored.role.scopes.sorted().map(\.rawValue).joined(separator: ",")
                try await connection.query(
                    """
                    INSERT INTO roles (name, scopes, created_at)
                    VALUES (\(stored.role.name), \(scopes), \(stored.createdAt.timeIntervalSince1970))
                    """, logger: logger)
            }
            for (c, sealed) in connections {
                try await connection.query(
                    """
                    INSERT INTO connections (location_id, kind, access_token, refresh_token, issued_at, expires_at,
                        scope, company_id, user_id, status, status_detail, generation, created_at, updated_at)
                    VALUES (\(c.locationId), \(c.kind.rawValue), \(sealed.access), \(sealed.refresh),
                        \(c.accessTokenIssuedAt?.timeIntervalSince1970), \(c.accessTokenExpiresAt?.timeIntervalSince1970),
                        \(c.scope), \(c.companyId), \(c.userId), \(c.status.rawValue), \(c.statusDetail),
                        \(c.generation), \(c.createdAt.timeIntervalSince1970), \(c.updatedAt.timeIntervalSince1970))
                    """, logger: logger)
            }
            for stored in snapshot.authorizationStates {
                let s = stored.state
                try await connection.query(
                    """
                    INSERT INTO authorization_states (state, location_id, created_at, expires_at, used_at)
                    VALUES (\(s.stateHash), \(s.locationId), \(s.createdAt.timeIntervalSince1970),
                        \(s.expiresAt.timeIntervalSince1970), \(stored.usedAt?.timeIntervalSince1970))
                    """, logger: logger)
            }
            if let b = snapshot.auditBoundary {
                try await connection.query(
                    """
                    INSERT INTO audit_checkpoint (id, seq, hash, pruned_before_ms, pruned_at_ms)
                    VALUES (1, \(b.seq), \(b.hash), \(b.prunedBeforeMs), \(b.prunedAtMs))
                    """, logger: logger)
            }
            for row in snapshot.auditCheckpoints {
                try await connection.query(
                    "INSERT INTO audit_signed_checkpoints (id, seq, note) VALUES (\(row.id), \(row.seq), \(row.note))",
                    logger: logger)
            }
            if !snapshot.auditCheckpoints.isEmpty {
                // Ids given explicitly leave the serial behind: the next checkpoint signed must come after them.
                try await connection.query(
                    """
                    SELECT setval(pg_get_serial_sequence('audit_signed_checkpoints', 'id'),
                        (SELECT MAX(id) FROM audit_signed_checkpoints))
                    """, logger: logger)
            }
            for (s, secret) in subscriptions {
                try await connection.query(
                    """
                    INSERT INTO webhook_subscriptions
                        (id, url, events, locations, enrich, secret, created_at, disabled_at, disabled_reason)
                    VALUES (\(s.id), \(s.url), \(s.events), \(s.locations), \(s.enrich), \(secret),
                        \(s.createdAt.timeIntervalSince1970), \(s.disabledAt?.timeIntervalSince1970), \(s.disabledReason))
                    """, logger: logger)
            }
            for e in snapshot.events {
                try await connection.query(
                    """
                    INSERT INTO webhook_events
                        (id, type, location_id, contact_id, source, received_at, contact_updated_at, body)
                    VALUES (\(e.id), \(e.type), \(e.locationId), \(e.contactId), \(e.source.rawValue),
                        \(e.receivedAt.timeIntervalSince1970), \(e.contactUpdatedAt?.timeIntervalSince1970), \(Data(e.body)))
                    """, logger: logger)
            }
            for d in snapshot.deliveries {
                let p = d.progress
                try await connection.query(
                    """
                    INSERT INTO webhook_deliveries (id, subscription_id, event_id, type, location_id, created_at,
                        status, attempts, next_attempt_at, last_status, last_error)
                    VALUES (\(d.id), \(d.subscriptionId), \(d.eventId), \(d.type), \(d.locationId),
                        \(d.createdAt.timeIntervalSince1970), \(p.status.rawValue), \(p.attempts),
                        \(p.nextAttemptAt?.timeIntervalSince1970), \(p.lastStatus), \(p.lastError))
                    """, logger: logger)
            }
            for (locationId, cursor) in snapshot.reconciliationCursors {
                try await connection.query(
                    """
                    INSERT INTO reconciliation_cursors (location_id, cursor)
                    VALUES (\(locationId), \(cursor.timeIntervalSince1970))
                    """, logger: logger)
            }
        }
    }

    public func importAuditRecords(_ records: [AuditRecord]) async throws {
        guard !records.isEmpty else { return }
        let logger = logger
        try await transaction(.lease) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.auditLockKey))", logger: logger)
            var start = records.startIndex
            while start < records.endIndex {
                let end = min(start + Self.auditInsertChunk, records.endIndex)
                try await connection.query(Self.auditInsert(Array(records[start..<end])), logger: logger)
                start = end
            }
        }
    }
}
