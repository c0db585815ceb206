import Foundation
import GRDB
import GatewayCore
import Synchronization

extension SQLiteStore: WebhookRepository {
    public func insertSubscription(_ subscription: WebhookSubscription) async throws {
        let secret = try cipher.seal(subscription.secret, context: Self.secretContext(subscription.id))
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO webhook_subscriptions
                        (id, url, events, locations, enrich, secret, created_at, disabled_at, disabled_reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    subscription.id, subscription.url, WebhookColumns.list(subscription.events),
                    WebhookColumns.list(subscription.locations), subscription.enrich, secret,
                    subscription.createdAt.timeIntervalSince1970, subscription.disabledAt?.timeIntervalSince1970,
                    subscription.disabledReason,
                ])
        }
    }

    /// Read for every event taken: decoded again (lists parsed, secrets unsealed) only when the version that the
    /// table's triggers move has changed since the last read, by this process or another.
    public func subscriptions() async throws -> [WebhookSubscription] {
        let held = subscriptionsRead.withLock { $0 }
        let (version, rows) = try await pool.read { db -> (Int64, [Row]?) in
            let version = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT value FROM webhook_subscriptions_version WHERE id = 1")) ?? 0
            if let held, held.version == version { return (version, nil) }
            return (
                version,
                try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM webhook_subscriptions ORDER BY created_at, id"))
            )
        }
        guard let rows else { return held?.subscriptions ?? [] }
        let subscriptions = try rows.map(decodeSubscription)
        subscriptionsRead.withLock { read in
            if (read?.version ?? .min) < version { read = SubscriptionsRead(version: version, subscriptions: subscriptions) }
        }
        return subscriptions
    }

    /// The subscriptions decoded at a version of the table.
    struct SubscriptionsRead: Sendable {
        let version: Int64
        let subscriptions: [WebhookSubscription]
    }

    public func subscription(id: String) async throws -> WebhookSubscription? {
        let row = try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM webhook_subscriptions WHERE id = ?", arguments: [id])
        }
        return try row.map(decodeSubscription)
    }

    @discardableResult
    public func deleteSubscription(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM webhook_subscriptions WHERE id = ?", arguments: [id])
            guard db.changesCount == 1 else { return false }
            try db.execute(
                sql: "DELETE FROM webhook_deliveries WHERE subscription_id = ? AND status != 'delivered'",
                arguments: [id])
            return true
        }
    }

    @discardableResult
    public func setSubscriptionDisabled(id: String, at date: Date?, reason: String?) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE webhook_subscriptions SET disabled_at = ?, disabled_reason = ? WHERE id = ?",
                arguments: [date?.timeIntervalSince1970, date == nil ? nil : reason, id])
            return db.changesCount == 1
        }
    }

    /// Group-committed with other callers' events (``SQLiteStore/eventIntake``): one transaction and one fsync for
    /// all the events that arrived while the previous batch was written.
    public func acceptEvent(_ event: WebhookEventRecord, deliveries: [WebhookDelivery]) async throws
        -> EventAcceptance
    {
        try await eventIntake.submit(AcceptedEvent(event: event, deliveries: deliveries))
    }

    /// An event and its deliveries, as the intake hands them to the group commit.
    struct AcceptedEvent: Sendable {
        let event: WebhookEventRecord
        let deliveries: [WebhookDelivery]
    }

    /// Inserts one event with its deliveries, or nothing when its id was taken before (HighLevel's retries).
    static func insert(_ accepted: AcceptedEvent, _ db: Database) throws -> EventAcceptance {
        let event = accepted.event
        // Cached statements: a batch runs these hundreds of times in one transaction.
        try db.cachedStatement(
            sql: """
                INSERT INTO webhook_events
                    (id, type, location_id, contact_id, source, received_at, contact_updated_at, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                """
        ).execute(
            arguments: [
                event.id, event.type, event.locationId, event.contactId, event.source.rawValue,
                event.receivedAt.timeIntervalSince1970, event.contactUpdatedAt?.timeIntervalSince1970,
                Data(event.body),
            ])
        guard db.changesCount == 1 else { return .duplicate }
        for delivery in accepted.deliveries {
            let p = delivery.progress
            try db.cachedStatement(
                sql: """
                    INSERT INTO webhook_deliveries (id, subscription_id, event_id, type, location_id, created_at,
                        status, attempts, next_attempt_at, last_status, last_error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    delivery.id, delivery.subscriptionId, delivery.eventId, delivery.type, delivery.locationId,
                    delivery.createdAt.timeIntervalSince1970, p.status.rawValue, p.attempts,
                    p.nextAttemptAt?.timeIntervalSince1970, p.lastStatus, p.lastError,
                ])
        }
        return .accepted(deliveries: accepted.deliveries.count)
    }

    public func claimDueDeliveries(at now: Date, leaseUntil: Date, limit: Int) async throws -> [ClaimedDelivery] {
        try await pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.*, e.type AS e_type, e.location_id AS e_location_id, e.contact_id AS e_contact_id,
                        e.source AS e_source, e.received_at AS e_received_at,
                        e.contact_updated_at AS e_contact_updated_at, e.body AS e_body
                    FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
                    WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)
                    ORDER BY d.next_attempt_at, d.id LIMIT ?
                    """,
                arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, max(limit, 0)])
            for row in rows {
                try db.execute(
                    sql: "UPDATE webhook_deliveries SET lease_until = ? WHERE id = ?",
                    arguments: [leaseUntil.timeIntervalSince1970, row["id"] as String])
            }
            return rows.map { row in
                ClaimedDelivery(
                    delivery: WebhookColumns.delivery(row),
                    event: WebhookEventRecord(
                        id: row["event_id"], type: row["e_type"], locationId: row["e_location_id"],
                        contactId: row["e_contact_id"],
                        source: WebhookEventRecord.Source(rawValue: row["e_source"]) ?? .webhook,
                        receivedAt: Date(timeIntervalSince1970: row["e_received_at"]),
                        contactUpdatedAt: (row["e_contact_updated_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                        body: Array(row["e_body"] as Data)))
            }
        }
    }

    /// Group-committed like events (``SQLiteStore/deliveryOutcomes``): the dispatcher's attempts in flight finish
    /// together, and each outcome alone was a transaction and an fsync.
    @discardableResult
    public func recordDeliveryProgress(id: String, progress: DeliveryProgress) async throws -> Bool {
        try await deliveryOutcomes.submit(RecordedProgress(id: id, progress: progress))
    }

    /// A delivery's new progress, as the dispatcher hands it to the group commit.
    struct RecordedProgress: Sendable {
        let id: String
        let progress: DeliveryProgress
    }

    /// Stores one delivery's progress and lets its lease go; false when the delivery is gone.
    static func update(_ recorded: RecordedProgress, _ db: Database) throws -> Bool {
        let progress = recorded.progress
        try db.cachedStatement(
            sql: """
                UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status = ?,
                    last_error = ?, lease_until = NULL
                WHERE id = ?
                """
        ).execute(
            arguments: [
                progress.status.rawValue, progress.attempts, progress.nextAttemptAt?.timeIntervalSince1970,
                progress.lastStatus, progress.lastError, recorded.id,
            ])
        return db.changesCount == 1
    }

    public func delivery(id: String) async throws -> WebhookDelivery? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM webhook_deliveries WHERE id = ?", arguments: [id])
                .map(WebhookColumns.delivery)
        }
    }

    public func deliveries(subscriptionId: String?, status: DeliveryProgress.Status?, limit: Int) async throws
        -> [WebhookDelivery]
    {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM webhook_deliveries
                    WHERE (?1 IS NULL OR subscription_id = ?1) AND (?2 IS NULL OR status = ?2)
                    ORDER BY created_at DESC, id DESC LIMIT ?3
                    """,
                arguments: [subscriptionId, status?.rawValue, max(limit, 0)]
            ).map(WebhookColumns.delivery)
        }
    }

    public func outboxDepth() async throws -> OutboxDepth {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM webhook_deliveries WHERE status = 'pending'")
            return OutboxDepth(
                pending: row?["n"] ?? 0,
                oldestPendingCreatedAt: (row?["oldest"] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }

    public func nextDeliveryDue() async throws -> Date? {
        try await pool.read { db in
            try Double.fetchOne(
                db,
                sql: """
                    SELECT MIN(MAX(next_attempt_at, COALESCE(lease_until, next_attempt_at)))
                    FROM webhook_deliveries WHERE status = 'pending'
                    """
            ).map(Date.init(timeIntervalSince1970:))
        }
    }

    public func contactUpdateTimes(locationId: String, contactIds: [String]) async throws -> [String: Date] {
        guard !contactIds.isEmpty else { return [:] }
        return try await pool.read { db in
            var times: [String: Date] = [:]
            // In slices: SQLite's limit on bound parameters is 32,766, a search page is far smaller.
            for slice in stride(from: 0, to: contactIds.count, by: 500).map({ contactIds[$0..<min($0 + 500, contactIds.count)] }) {
                let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT contact_id, MAX(contact_updated_at) AS at FROM webhook_events
                        WHERE location_id = ? AND contact_id IN (\(marks)) AND contact_updated_at IS NOT NULL
                        GROUP BY contact_id
                        """,
                    arguments: StatementArguments([locationId] + Array(slice)))
                for row in rows { times[row["contact_id"]] = Date(timeIntervalSince1970: row["at"]) }
            }
            return times
        }
    }

    public func reconciliationCursor(locationId: String) async throws -> Date? {
        try await pool.read { db in
            try Double.fetchOne(
                db, sql: "SELECT cursor FROM reconciliation_cursors WHERE location_id = ?", arguments: [locationId]
            ).map(Date.init(timeIntervalSince1970:))
        }
    }

    public func setReconciliationCursor(locationId: String, to cursor: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO reconciliation_cursors (location_id, cursor) VALUES (?, ?)
                    ON CONFLICT (location_id) DO UPDATE SET cursor = excluded.cursor
                    """,
                arguments: [locationId, cursor.timeIntervalSince1970])
        }
    }

    /// The cipher's context for a subscription's secret: apart from locations' tokens, so one sealed value cannot
    /// be moved into the other's row.
    static func secretContext(_ id: String) -> String { "webhook-subscription:" + id }

    func decodeSubscription(_ row: Row) throws -> WebhookSubscription {
        let id: String = row["id"]
        return WebhookSubscription(
            id: id, url: row["url"], events: WebhookColumns.list(row["events"]),
            locations: WebhookColumns.list(row["locations"]), enrich: row["enrich"],
            secret: try cipher.open(row["secret"], context: Self.secretContext(id)),
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            disabledAt: (row["disabled_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            disabledReason: row["disabled_reason"])
    }
}

/// How webhook rows' columns are written and read.
enum WebhookColumns {
    /// A list of names as one column: JSON text, so a name holding a comma survives.
    static func list(_ values: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(values)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func list(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    static func delivery(_ row: Row) -> WebhookDelivery {
        WebhookDelivery(
            id: row["id"], subscriptionId: row["subscription_id"], eventId: row["event_id"], type: row["type"],
            locationId: row["location_id"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            progress: DeliveryProgress(
                status: DeliveryProgress.Status(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
                nextAttemptAt: (row["next_attempt_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                lastStatus: row["last_status"], lastError: row["last_error"]))
    }
}
