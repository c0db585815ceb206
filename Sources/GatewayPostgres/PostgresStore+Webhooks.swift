import Foundation
import GatewayCore
import PostgresNIO

/// Subscriptions, events taken once and the delivery outbox. Several gateways claim due deliveries from one table:
/// `FOR UPDATE SKIP LOCKED` lets each take rows no other is taking, and the lease keeps a claimed row from being
/// claimed again until its attempt is recorded or the lease runs out (its gateway died).
extension PostgresStore: WebhookRepository {
    static let deliveryColumns = """
        id, subscription_id, event_id, type, location_id, created_at, status, attempts, next_attempt_at, last_status,
        last_error
        """

    public func insertSubscription(_ subscription: WebhookSubscription) async throws {
        let s = subscription
        let secret = try cipher.seal(s.secret, context: Self.secretContext(s.id))
        _ = try await rows(
            """
            INSERT INTO webhook_subscriptions
                (id, url, events, locations, enrich, secret, created_at, disabled_at, disabled_reason)
            VALUES (\(s.id), \(s.url), \(s.events), \(s.locations), \(s.enrich), \(secret),
                \(s.createdAt.timeIntervalSince1970), \(s.disabledAt?.timeIntervalSince1970), \(s.disabledReason))
            """)
    }

    public func subscriptions() async throws -> [WebhookSubscription] {
        try await rows(
            """
            SELECT id, url, events, locations, enrich, secret, created_at, disabled_at, disabled_reason
            FROM webhook_subscriptions ORDER BY created_at, id COLLATE "C"
            """
        ).map(decodeSubscription)
    }

    public func subscription(id: String) async throws -> WebhookSubscription? {
        try await rows(
            """
            SELECT id, url, events, locations, enrich, secret, created_at, disabled_at, disabled_reason
            FROM webhook_subscriptions WHERE id = \(id)
            """
        ).first.map(decodeSubscription)
    }

    @discardableResult
    public func deleteSubscription(id: String) async throws -> Bool {
        try await transaction { [self] connection in
            let deleted = try await connection.rows(
                "DELETE FROM webhook_subscriptions WHERE id = \(id) RETURNING 1", logger: logger)
            guard !deleted.isEmpty else { return false }
            try await connection.query(
                "DELETE FROM webhook_deliveries WHERE subscription_id = \(id) AND status <> 'delivered'",
                logger: logger)
            return true
        }
    }

    @discardableResult
    public func setSubscriptionDisabled(id: String, at date: Date?, reason: String?) async throws -> Bool {
        let reason = date == nil ? nil : reason
        return try await !rows(
            """
            UPDATE webhook_subscriptions SET disabled_at = \(date?.timeIntervalSince1970), disabled_reason = \(reason)
            WHERE id = \(id) RETURNING 1
            """
        ).isEmpty
    }

    public func acceptEvent(_ event: WebhookEventRecord, deliveries: [WebhookDelivery]) async throws
        -> EventAcceptance
    {
        let e = event
        return try await transaction { [self] connection in
            let inserted = try await connection.rows(
                """
                INSERT INTO webhook_events
                    (id, type, location_id, contact_id, source, received_at, contact_updated_at, body)
                VALUES (\(e.id), \(e.type), \(e.locationId), \(e.contactId), \(e.source.rawValue),
                    \(e.receivedAt.timeIntervalSince1970), \(e.contactUpdatedAt?.timeIntervalSince1970), \(Data(e.body)))
                ON CONFLICT (id) DO NOTHING RETURNING 1
                """, logger: logger)
            guard !inserted.isEmpty else { return .duplicate }
            for d in deliveries {
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
            return .accepted(deliveries: deliveries.count)
        }
    }

    public func claimDueDeliveries(at now: Date, leaseUntil: Date, limit: Int) async throws -> [ClaimedDelivery] {
        let at = now.timeIntervalSince1970
        let rows = try await rows(
            """
            WITH due AS (
                SELECT id FROM webhook_deliveries
                WHERE status = 'pending' AND next_attempt_at <= \(at) AND (lease_until IS NULL OR lease_until <= \(at))
                ORDER BY next_attempt_at, id COLLATE "C" LIMIT \(max(limit, 0))
                FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE webhook_deliveries d SET lease_until = \(leaseUntil.timeIntervalSince1970)
                FROM due WHERE d.id = due.id
                RETURNING d.id, d.subscription_id, d.event_id, d.type, d.location_id, d.created_at, d.status,
                    d.attempts, d.next_attempt_at, d.last_status, d.last_error
            )
            SELECT c.id, c.subscription_id, c.event_id, c.type, c.location_id, c.created_at, c.status, c.attempts,
                c.next_attempt_at, c.last_status, c.last_error, e.type, e.location_id, e.contact_id, e.source,
                e.received_at, e.contact_updated_at, e.body
            FROM claimed c JOIN webhook_events e ON e.id = c.event_id
            ORDER BY c.next_attempt_at, c.id COLLATE "C"
            """)
        return try rows.map { row in
            let delivery = try Self.decodeDelivery(row)
            let columns = row.makeRandomAccess()
            let event = WebhookEventRecord(
                id: delivery.eventId, type: try columns[11].decode(String.self),
                locationId: try columns[12].decode(String?.self), contactId: try columns[13].decode(String?.self),
                source: WebhookEventRecord.Source(rawValue: try columns[14].decode(String.self)) ?? .webhook,
                receivedAt: Date(timeIntervalSince1970: try columns[15].decode(Double.self)),
                contactUpdatedAt: try columns[16].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
                body: Array(try columns[17].decode(Data.self)))
            return ClaimedDelivery(delivery: delivery, event: event)
        }
    }

    @discardableResult
    public func recordDeliveryProgress(id: String, progress: DeliveryProgress) async throws -> Bool {
        let p = progress
        return try await !rows(
            """
            UPDATE webhook_deliveries SET status = \(p.status.rawValue), attempts = \(p.attempts),
                next_attempt_at = \(p.nextAttemptAt?.timeIntervalSince1970), last_status = \(p.lastStatus),
                last_error = \(p.lastError), lease_until = NULL
            WHERE id = \(id) RETURNING 1
            """
        ).isEmpty
    }

    public func delivery(id: String) async throws -> WebhookDelivery? {
        var binds = PostgresBindings()
        binds.append(id)
        return try await rows(
            PostgresQuery(
                unsafeSQL: "SELECT \(Self.deliveryColumns) FROM webhook_deliveries WHERE id = $1", binds: binds)
        ).first.map(Self.decodeDelivery)
    }

    public func deliveries(subscriptionId: String?, status: DeliveryProgress.Status?, limit: Int) async throws
        -> [WebhookDelivery]
    {
        var binds = PostgresBindings()
        binds.append(subscriptionId)
        binds.append(status?.rawValue)
        binds.append(max(limit, 0))
        return try await rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.deliveryColumns) FROM webhook_deliveries
                    WHERE ($1::text IS NULL OR subscription_id = $1) AND ($2::text IS NULL OR status = $2)
                    ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $3
                    """, binds: binds)
        ).map(Self.decodeDelivery)
    }

    public func outboxDepth() async throws -> OutboxDepth {
        let row = try await rows(
            "SELECT COUNT(*), MIN(created_at) FROM webhook_deliveries WHERE status = 'pending'"
        ).first
        let (count, oldest) = try row?.decode((Int64, Double?).self) ?? (Int64(0), nil)
        return OutboxDepth(pending: Int(count), oldestPendingCreatedAt: oldest.map(Date.init(timeIntervalSince1970:)))
    }

    public func nextDeliveryDue() async throws -> Date? {
        try await rows(
            """
            SELECT MIN(GREATEST(next_attempt_at, COALESCE(lease_until, next_attempt_at)))
            FROM webhook_deliveries WHERE status = 'pending'
            """
        ).first.flatMap { try $0.decode(Double?.self) }.map(Date.init(timeIntervalSince1970:))
    }

    public func contactUpdateTimes(locationId: String, contactIds: [String]) async throws -> [String: Date] {
        guard !contactIds.isEmpty else { return [:] }
        var times: [String: Date] = [:]
        for row in try await rows(
            """
            SELECT contact_id, MAX(contact_updated_at) FROM webhook_events
            WHERE location_id = \(locationId) AND contact_id = ANY(\(contactIds)) AND contact_updated_at IS NOT NULL
            GROUP BY contact_id
            """)
        {
            let (contact, at) = try row.decode((String, Double).self)
            times[contact] = Date(timeIntervalSince1970: at)
        }
        return times
    }

    public func reconciliationCursor(locationId: String) async throws -> Date? {
        try await rows("SELECT cursor FROM reconciliation_cursors WHERE location_id = \(locationId)")
            .first.map { Date(timeIntervalSince1970: try $0.decode(Double.self)) }
    }

    public func setReconciliationCursor(locationId: String, to cursor: Date) async throws {
        _ = try await rows(
            """
            INSERT INTO reconciliation_cursors (location_id, cursor) VALUES (\(locationId), \(cursor.timeIntervalSince1970))
            ON CONFLICT (location_id) DO UPDATE SET cursor = excluded.cursor
            """)
    }

    /// The cipher's context for a subscription's secret, as in the SQLite store.
    static func secretContext(_ id: String) -> String { "webhook-subscription:" + id }

    func decodeSubscription(_ row: PostgresRow) throws -> WebhookSubscription {
        let (id, url, events, locations, enrich, secret, createdAt, disabledAt, disabledReason) = try row.decode(
            (String, String, [String], [String], Bool, Data, Double, Double?, String?).self)
        return WebhookSubscription(
            id: id, url: url, events: events, locations: locations, enrich: enrich,
            secret: try cipher.open(secret, context: Self.secretContext(id)),
            createdAt: Date(timeIntervalSince1970: createdAt),
            disabledAt: disabledAt.map(Date.init(timeIntervalSince1970:)), disabledReason: disabledReason)
    }

    /// The first eleven columns, in ``deliveryColumns``' order.
    static func decodeDelivery(_ row: PostgresRow) throws -> WebhookDelivery {
        let c = row.makeRandomAccess()
        return WebhookDelivery(
            id: try c[0].decode(String.self), subscriptionId: try c[1].decode(String.self),
            eventId: try c[2].decode(String.self), type: try c[3].decode(String.self),
            locationId: try c[4].decode(String?.self),
            createdAt: Date(timeIntervalSince1970: try c[5].decode(Double.self)),
            progress: DeliveryProgress(
                status: DeliveryProgress.Status(rawValue: try c[6].decode(String.self)) ?? .pending,
                attempts: Int(try c[7].decode(Int64.self)),
                nextAttemptAt: try c[8].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
                lastStatus: try c[9].decode(Int64?.self).map(Int.init), lastError: try c[10].decode(String?.self)))
    }
}
