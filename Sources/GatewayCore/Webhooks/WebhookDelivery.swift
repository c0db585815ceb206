import Foundation

/// One event on its way to one subscription: the outbox's row. Its ``id`` is the Standard Webhooks `webhook-id`, the
/// same on every attempt, so a receiver can deduplicate what a lost answer made the gateway send again.
public struct WebhookDelivery: Sendable, Equatable {
    public let id: String
    public let subscriptionId: String
    public let eventId: String
    public let type: String
    public let locationId: String?
    public let createdAt: Date
    public var progress: DeliveryProgress

    /// The audit record's route for a delivery attempt: no request reached the gateway; the delivery is what went.
    public static let auditRoute = "POST /deliveries/{deliveryId}"

    public init(
        id: String, subscriptionId: String, eventId: String, type: String, locationId: String?, createdAt: Date,
        progress: DeliveryProgress
    ) {
        self.id = id
        self.subscriptionId = subscriptionId
        self.eventId = eventId
        self.type = type
        self.locationId = locationId
        self.createdAt = createdAt
        self.progress = progress
    }

    /// A new delivery of `event` to `subscription`, due at once.
    public static func new(of event: WebhookEventRecord, to subscription: WebhookSubscription, at now: Date)
        -> WebhookDelivery
    {
        WebhookDelivery(
            id: "msg_" + RandomToken.alphanumeric(24), subscriptionId: subscription.id, eventId: event.id,
            type: event.type, locationId: event.locationId, createdAt: now, progress: DeliveryProgress(createdAt: now))
    }
}

/// A delivery claimed for sending, with the event it carries.
public struct ClaimedDelivery: Sendable, Equatable {
    public let delivery: WebhookDelivery
    public let event: WebhookEventRecord

    public init(delivery: WebhookDelivery, event: WebhookEventRecord) {
        self.delivery = delivery
        self.event = event
    }
}

/// What the store answers when an event is offered.
public enum EventAcceptance: Sendable, Equatable {
    /// Stored, with this many deliveries in the outbox.
    case accepted(deliveries: Int)
    /// An event with this id was taken before: nothing stored, nothing delivered again.
    case duplicate
}

/// The outbox at a glance, for metrics and the console.
public struct OutboxDepth: Sendable, Equatable {
    public let pending: Int
    public let oldestPendingCreatedAt: Date?

    public init(pending: Int, oldestPendingCreatedAt: Date?) {
        self.pending = pending
        self.oldestPendingCreatedAt = oldestPendingCreatedAt
    }
}
