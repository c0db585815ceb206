import Foundation
import GatewayCore
import Synchronization

struct WebhookState {
    var subscriptions: [String: WebhookSubscription] = [:]
    var events: [String: WebhookEventRecord] = [:]
    var deliveries: [String: WebhookDelivery] = [:]
    var leases: [String: Date] = [:]
    var cursors: [String: Date] = [:]
}

extension InMemoryStore: WebhookRepository {
    public func insertSubscription(_ subscription: WebhookSubscription) async throws {
        try webhooks.withLock { w in
            guard w.subscriptions[subscription.id] == nil else {
                throw InMemoryStoreError.duplicate("subscription \(subscription.id)")
            }
            w.subscriptions[subscription.id] = subscription
        }
    }

    public func subscriptions() async throws -> [WebhookSubscription] {
        webhooks.withLock { $0.subscriptions.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
    }

    public func subscription(id: String) async throws -> WebhookSubscription? {
        webhooks.withLock { $0.subscriptions[id] }
    }

    public func deleteSubscription(id: String) async throws -> Bool {
        webhooks.withLock { w in
            guard w.subscriptions.removeValue(forKey: id) != nil else { return false }
            for (deliveryId, delivery) in w.deliveries
            where delivery.subscriptionId == id && delivery.progress.status != .delivered {
                w.deliveries[deliveryId] = nil
                w.leases[deliveryId] = nil
            }
            return true
        }
    }

    public func setSubscriptionDisabled(id: String, at date: Date?, reason: String?) async throws -> Bool {
        webhooks.withLock { w in
            guard w.subscriptions[id] != nil else { return false }
            w.subscriptions[id]?.disabledAt = date
            w.subscriptions[id]?.disabledReason = date == nil ? nil : reason
            return true
        }
    }

    public func acceptEvent(_ event: WebhookEventRecord, deliveries: [WebhookDelivery]) async throws
        -> EventAcceptance
    {
        webhooks.withLock { w in
            guard w.events[event.id] == nil else { return .duplicate }
            w.events[event.id] = event
            for delivery in deliveries { w.deliveries[delivery.id] = delivery }
            return .accepted(deliveries: deliveries.count)
        }
    }

    public func claimDueDeliveries(at now: Date, leaseUntil: Date, limit: Int) async throws -> [ClaimedDelivery] {
        webhooks.withLock { w in
            let due = w.deliveries.values
                .filter { $0.progress.isDue(at: now) && (w.leases[$0.id].map { $0 <= now } ?? true) }
                .sorted { ($0.progress.nextAttemptAt ?? .distantPast, $0.id) < ($1.progress.nextAttemptAt ?? .distantPast, $1.id) }
                .prefix(max(limit, 0))
            return due.compactMap { delivery in
                guard let event = w.events[delivery.eventId] else { return nil }
                w.leases[delivery.id] = leaseUntil
                return ClaimedDelivery(delivery: delivery, event: event)
            }
        }
    }

    public func recordDeliveryProgress(id: String, progress: DeliveryProgress) async throws -> Bool {
        webhooks.withLock { w in
            guard w.deliveries[id] != nil else { return false }
            w.deliveries[id]?.progress = progress
            w.leases[id] = nil
            return true
        }
    }

    public func delivery(id: String) async throws -> WebhookDelivery? { webhooks.withLock { $0.deliveries[id] } }

    public func deliveries(subscriptionId: String?, status: DeliveryProgress.Status?, limit: Int) async throws
        -> [WebhookDelivery]
    {
        webhooks.withLock { w in
            Array(
                w.deliveries.values
                    .filter { subscriptionId == nil || $0.subscriptionId == subscriptionId }
                    .filter { status == nil || $0.progress.status == status }
                    .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
                    .prefix(max(limit, 0)))
        }
    }

    public func outboxDepth() async throws -> OutboxDepth {
        webhooks.withLock { w in
            let pending = w.deliveries.values.filter { $0.progress.status == .pending }
            return OutboxDepth(pending: pending.count, oldestPendingCreatedAt: pending.map(\.createdAt).min())
        }
    }

    public func nextDeliveryDue() async throws -> Date? {
        webhooks.withLock { w in
            w.deliveries.values.filter { $0.progress.status == .pending }.compactMap { d in
                d.progress.nextAttemptAt.map { due in max(due, w.leases[d.id] ?? due) }
            }.min()
        }
    }

    public func contactUpdateTimes(locationId: String, contactIds: [String]) async throws -> [String: Date] {
        let wanted = Set(contactIds)
        return webhooks.withLock { w in
            var times: [String: Date] = [:]
            for event in w.events.values where event.locationId == locationId {
                guard let contact = event.contactId, wanted.contains(contact), let at = event.contactUpdatedAt else {
                    continue
                }
                times[contact] = max(times[contact] ?? at, at)
            }
            return times
        }
    }

    public func reconciliationCursor(locationId: String) async throws -> Date? {
        webhooks.withLock { $0.cursors[locationId] }
    }

    public func setReconciliationCursor(locationId: String, to cursor: Date) async throws {
        webhooks.withLock { $0.cursors[locationId] = cursor }
    }
}
