import Foundation

/// Where subscriptions, taken events and the delivery outbox are kept. An event and its deliveries are committed in
/// one transaction before the gateway answers HighLevel, so an event taken is delivered even if the process dies
/// right after; deliveries are claimed with a lease, so several gateways on one database never send one at once.
public protocol WebhookRepository: Sendable {
    func insertSubscription(_ subscription: WebhookSubscription) async throws
    /// Every subscription, oldest first.
    func subscriptions() async throws -> [WebhookSubscription]
    func subscription(id: String) async throws -> WebhookSubscription?
    /// Removes a subscription and its deliveries not yet delivered; `false` when there was none.
    @discardableResult
    func deleteSubscription(id: String) async throws -> Bool
    /// Disables (`at` set; a 410 from the receiver) or enables again (`at` nil); `false` when there was none.
    @discardableResult
    func setSubscriptionDisabled(id: String, at: Date?, reason: String?) async throws -> Bool

    /// Stores `event` and `deliveries` together, unless an event with its id was taken before (then nothing).
    func acceptEvent(_ event: WebhookEventRecord, deliveries: [WebhookDelivery]) async throws -> EventAcceptance

    /// Up to `limit` pending deliveries due at `now` whose lease has run out, each leased until `leaseUntil`, oldest
    /// due first, with their events.
    func claimDueDeliveries(at now: Date, leaseUntil: Date, limit: Int) async throws -> [ClaimedDelivery]
    /// Stores an attempt's outcome and ends the delivery's lease; `false` when the delivery is gone.
    @discardableResult
    func recordDeliveryProgress(id: String, progress: DeliveryProgress) async throws -> Bool
    func delivery(id: String) async throws -> WebhookDelivery?
    /// Deliveries, newest first, filtered by subscription and status.
    func deliveries(subscriptionId: String?, status: DeliveryProgress.Status?, limit: Int) async throws
        -> [WebhookDelivery]
    func outboxDepth() async throws -> OutboxDepth
    /// When the soonest pending delivery is due, so a dispatcher can sleep until then.
    func nextDeliveryDue() async throws -> Date?

    /// The latest `contactUpdatedAt` held for each of these contacts of a location (events and reconciled changes).
    func contactUpdateTimes(locationId: String, contactIds: [String]) async throws -> [String: Date]
    /// Where reconciliation of a location ended last; nil before its first pass.
    func reconciliationCursor(locationId: String) async throws -> Date?
    func setReconciliationCursor(locationId: String, to cursor: Date) async throws
}
