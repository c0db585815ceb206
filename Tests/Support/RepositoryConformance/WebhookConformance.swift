import Foundation
import GatewayCore
import Testing

/// What every store must do with subscriptions, taken events and the outbox, written once: the SQLite, PostgreSQL
/// and in-memory stores each run every case.
public struct WebhookConformance: Sendable, CustomTestStringConvertible {
    public let name: String
    let body: @Sendable (any WebhookRepository) async throws -> Void

    public var testDescription: String { name }

    public func run(on store: any WebhookRepository) async throws { try await body(store) }

    static let now = RepositoryConformance.now

    static func subscription(
        _ id: String, events: [String] = ["ContactCreate"], locations: [String] = [], at offset: TimeInterval = 0
    ) -> WebhookSubscription {
        WebhookSubscription(
            id: id, url: "https://tools.example/\(id)", events: events, locations: locations, enrich: id.hasSuffix("e"),
            secret: "whsec_c2VjcmV0LW9mLQ==\(id)", createdAt: now.addingTimeInterval(offset))
    }

    static func event(
        _ id: String, type: String = "ContactCreate", location: String = "loc-a", contact: String? = "c1",
        updated offset: TimeInterval? = 0, source: WebhookEventRecord.Source = .webhook
    ) -> WebhookEventRecord {
        WebhookEventRecord(
            id: id, type: type, locationId: location, contactId: contact, source: source, receivedAt: now,
            contactUpdatedAt: offset.map { now.addingTimeInterval($0) },
            body: Array(#"{"type":"\#(type)","webhookId":"\#(id)","note":"caf\#u{e9} \#u{1F600}"}"#.utf8))
    }

    static func delivery(_ id: String, of event: WebhookEventRecord, to subscription: String, due offset: TimeInterval = 0)
        -> WebhookDelivery
    {
        WebhookDelivery(
            id: id, subscriptionId: subscription, eventId: event.id, type: event.type, locationId: event.locationId,
            createdAt: now.addingTimeInterval(offset), progress: DeliveryProgress(createdAt: now.addingTimeInterval(offset)))
    }

    public static let cases: [WebhookConformance] = [
        .init(name: "subscriptions are stored field for field, listed oldest first, and their ids are unique") { store in
            var second = subscription("sub_2", events: ["*"], locations: ["loc-a", "loc-b"], at: 5)
            second.enrich = true
            try await store.insertSubscription(second)
            try await store.insertSubscription(subscription("sub_1"))
            #expect(try await store.subscriptions().map(\.id) == ["sub_1", "sub_2"])
            #expect(try await store.subscription(id: "sub_2") == second)
            #expect(try await store.subscription(id: "sub_none") == nil)
            await #expect(throws: (any Error).self) { try await store.insertSubscription(subscription("sub_1")) }
        },
        .init(name: "a subscription is disabled with its reason and enabled again") { store in
            try await store.insertSubscription(subscription("sub_1"))
            #expect(try await store.setSubscriptionDisabled(id: "sub_1", at: now, reason: "410 Gone"))
            let disabled = try await store.subscription(id: "sub_1")
            #expect(disabled?.disabledAt == now && disabled?.disabledReason == "410 Gone" && disabled?.isEnabled == false)
            #expect(try await store.setSubscriptionDisabled(id: "sub_1", at: nil, reason: "ignored"))
            let enabled = try await store.subscription(id: "sub_1")
            #expect(enabled?.disabledAt == nil && enabled?.disabledReason == nil)
            #expect(try await store.setSubscriptionDisabled(id: "sub_none", at: now, reason: nil) == false)
        },
        .init(name: "an event is taken once with its deliveries; the same id again stores nothing") { store in
            try await store.insertSubscription(subscription("sub_1"))
            let first = event("wh-1")
            #expect(try await store.acceptEvent(first, deliveries: [delivery("msg_1", of: first, to: "sub_1")]) == .accepted(deliveries: 1))
            #expect(try await store.acceptEvent(first, deliveries: [delivery("msg_2", of: first, to: "sub_1")]) == .duplicate)
            #expect(try await store.deliveries(subscriptionId: nil, status: nil, limit: 10).map(\.id) == ["msg_1"])
            let taken = try await store.claimDueDeliveries(at: now, leaseUntil: now.addingTimeInterval(30), limit: 10)
            #expect(taken.map(\.event) == [first], "the event's body comes back byte for byte")
            #expect(try await store.acceptEvent(event("wh-2"), deliveries: []) == .accepted(deliveries: 0))
        },
        .init(name: "due deliveries are claimed oldest first, once per lease, and again when the lease runs out") { store in
            try await store.insertSubscription(subscription("sub_1"))
            let e = event("wh-1")
            _ = try await store.acceptEvent(
                e, deliveries: [delivery("msg_b", of: e, to: "sub_1", due: 2), delivery("msg_a", of: e, to: "sub_1", due: 1),
                                delivery("msg_later", of: e, to: "sub_1", due: 60)])
            let lease = now.addingTimeInterval(30)
            let first = try await store.claimDueDeliveries(at: now.addingTimeInterval(5), leaseUntil: lease, limit: 1)
            #expect(first.map(\.delivery.id) == ["msg_a"])
            let second = try await store.claimDueDeliveries(at: now.addingTimeInterval(5), leaseUntil: lease, limit: 10)
            #expect(second.map(\.delivery.id) == ["msg_b"], "a leased delivery is not claimed twice; a later one waits")
            #expect(try await store.claimDueDeliveries(at: now.addingTimeInterval(6), leaseUntil: lease, limit: 10).isEmpty)
            let afterLease = try await store.claimDueDeliveries(at: now.addingTimeInterval(31), leaseUntil: now.addingTimeInterval(61), limit: 10)
            #expect(afterLease.map(\.delivery.id) == ["msg_a", "msg_b"], "a lease that ran out (its node died) is claimed again")
        },
        .init(name: "claims racing from several gateways never take one delivery twice") { store in
            try await store.insertSubscription(subscription("sub_1"))
            let e = event("wh-1")
            _ = try await store.acceptEvent(e, deliveries: (0..<40).map { delivery("msg_\($0)", of: e, to: "sub_1") })
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await store.claimDueDeliveries(at: now, leaseUntil: now.addingTimeInterval(30), limit: 15)
                            .map(\.delivery.id)
                    }
                }
                return try await group.reduce(into: []) { $0.append(contentsOf: $1) }
            }
            #expect(claims.count == 40 && Set(claims).count == 40, "each of the 40 claimed once: \(claims.count) claims")
        },
        .init(name: "an attempt's progress is stored, ends the lease, and filters the listing") { store in
            try await store.insertSubscription(subscription("sub_1"))
            try await store.insertSubscription(subscription("sub_2", at: 1))
            let e = event("wh-1")
            _ = try await store.acceptEvent(
                e, deliveries: [delivery("msg_1", of: e, to: "sub_1"), delivery("msg_2", of: e, to: "sub_2", due: 1)])
            let schedule = try #require(DeliverySchedule(text: "5s,30s"))
            let claimed = try await store.claimDueDeliveries(at: now.addingTimeInterval(2), leaseUntil: now.addingTimeInterval(30), limit: 10)
            #expect(claimed.count == 2)
            var failed = claimed[0].delivery.progress
            failed.record(.answered(status: 500, retryAfter: nil), at: now.addingTimeInterval(2), schedule: schedule, jitter: 0.5)
            #expect(try await store.recordDeliveryProgress(id: "msg_1", progress: failed))
            var delivered = claimed[1].delivery.progress
            delivered.record(.answered(status: 204, retryAfter: nil), at: now.addingTimeInterval(2), schedule: schedule, jitter: 0.5)
            #expect(try await store.recordDeliveryProgress(id: "msg_2", progress: delivered))
            #expect(try await store.recordDeliveryProgress(id: "msg_none", progress: delivered) == false)

            let stored = try await store.delivery(id: "msg_1")
            #expect(stored?.progress == failed && stored?.progress.lastStatus == 500 && stored?.progress.attempts == 1)
            #expect(stored?.progress.lastError == "the receiver answered 500")
            #expect(try await store.nextDeliveryDue() == now.addingTimeInterval(7), "due again 5 s after the attempt, not at its lease's end")
            #expect(try await store.claimDueDeliveries(at: now.addingTimeInterval(6), leaseUntil: now.addingTimeInterval(40), limit: 10).isEmpty)
            #expect(try await store.claimDueDeliveries(at: now.addingTimeInterval(7), leaseUntil: now.addingTimeInterval(40), limit: 10).map(\.delivery.id) == ["msg_1"])

            #expect(try await store.deliveries(subscriptionId: nil, status: nil, limit: 10).map(\.id) == ["msg_2", "msg_1"])
            #expect(try await store.deliveries(subscriptionId: "sub_2", status: nil, limit: 10).map(\.id) == ["msg_2"])
            #expect(try await store.deliveries(subscriptionId: nil, status: .delivered, limit: 10).map(\.id) == ["msg_2"])
            #expect(try await store.deliveries(subscriptionId: "sub_1", status: .dead, limit: 10).isEmpty)
            #expect(try await store.deliveries(subscriptionId: nil, status: nil, limit: 1).map(\.id) == ["msg_2"])
            #expect(try await store.outboxDepth() == OutboxDepth(pending: 1, oldestPendingCreatedAt: now))
        },
        .init(name: "deleting a subscription drops its undelivered deliveries and keeps what was delivered") { store in
            try await store.insertSubscription(subscription("sub_1"))
            let e = event("wh-1")
            _ = try await store.acceptEvent(e, deliveries: [delivery("msg_1", of: e, to: "sub_1"), delivery("msg_2", of: e, to: "sub_1")])
            var done = DeliveryProgress(createdAt: now)
            done.record(.answered(status: 200, retryAfter: nil), at: now, schedule: .standard, jitter: 0)
            try await store.recordDeliveryProgress(id: "msg_1", progress: done)
            #expect(try await store.deleteSubscription(id: "sub_1"))
            #expect(try await store.deleteSubscription(id: "sub_1") == false)
            #expect(try await store.subscription(id: "sub_1") == nil)
            #expect(try await store.deliveries(subscriptionId: nil, status: nil, limit: 10).map(\.id) == ["msg_1"])
            #expect(try await store.outboxDepth() == OutboxDepth(pending: 0, oldestPendingCreatedAt: nil))
            #expect(try await store.nextDeliveryDue() == nil)
            #expect(try await store.claimDueDeliveries(at: now.addingTimeInterval(60), leaseUntil: now.addingTimeInterval(90), limit: 10).isEmpty)
        },
        .init(name: "the latest change held per contact of a location, and the reconciliation cursor") { store in
            _ = try await store.acceptEvent(event("wh-1", contact: "c1", updated: 10), deliveries: [])
            _ = try await store.acceptEvent(event("wh-2", contact: "c1", updated: 30), deliveries: [])
            _ = try await store.acceptEvent(event("wh-3", contact: "c1", updated: 20), deliveries: [])
            _ = try await store.acceptEvent(event("wh-4", location: "loc-b", contact: "c2", updated: 40), deliveries: [])
            _ = try await store.acceptEvent(event("wh-5", contact: "c3", updated: nil), deliveries: [])
            _ = try await store.acceptEvent(
                event(WebhookEventRecord.reconciledID(locationId: "loc-a", contactId: "c4", dateUpdated: now), type: "ContactUpdate",
                      contact: "c4", updated: 50, source: .reconcile), deliveries: [])
            let times = try await store.contactUpdateTimes(locationId: "loc-a", contactIds: ["c1", "c2", "c3", "c4", "c9"])
            #expect(times == ["c1": now.addingTimeInterval(30), "c4": now.addingTimeInterval(50)])
            #expect(try await store.contactUpdateTimes(locationId: "loc-a", contactIds: []).isEmpty)

            #expect(try await store.reconciliationCursor(locationId: "loc-a") == nil)
            try await store.setReconciliationCursor(locationId: "loc-a", to: now)
            try await store.setReconciliationCursor(locationId: "loc-a", to: now.addingTimeInterval(900))
            #expect(try await store.reconciliationCursor(locationId: "loc-a") == now.addingTimeInterval(900))
            #expect(try await store.reconciliationCursor(locationId: "loc-b") == nil)
        },
    ]
}
