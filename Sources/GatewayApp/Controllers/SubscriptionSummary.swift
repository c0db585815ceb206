import Foundation
import GatewayCore

/// A subscription as admins see it: never its secret, which only ``SubscriptionSecret`` carries, once.
public struct SubscriptionSummary: Codable, Sendable {
    public var id: String
    public var url: String
    public var events: [String]
    public var locations: [String]
    public var enrich: Bool
    /// `enabled`, or `disabled` (a receiver's 410, until an admin enables it again).
    public var status: String
    public var disabledAt: Date?
    public var disabledReason: String?
    public var createdAt: Date

    public init(_ subscription: WebhookSubscription) {
        id = subscription.id
        url = subscription.url
        events = subscription.events
        locations = subscription.locations
        enrich = subscription.enrich
        status = subscription.isEnabled ? "enabled" : "disabled"
        disabledAt = subscription.disabledAt
        disabledReason = subscription.disabledReason
        createdAt = subscription.createdAt
    }
}

/// What creating a subscription answers: the contract's fields, the signing secret among them, shown this once.
public struct SubscriptionSecret: Codable, Sendable {
    public var id: String
    public var url: String
    public var events: [String]
    public var locations: [String]
    public var enrich: Bool
    public var secret: String

    public init(_ subscription: WebhookSubscription) {
        id = subscription.id
        url = subscription.url
        events = subscription.events
        locations = subscription.locations
        enrich = subscription.enrich
        secret = subscription.secret
    }
}

/// A delivery as `deliveries list` and the admin API show it.
public struct DeliverySummary: Codable, Sendable {
    public var id: String
    public var subscriptionId: String
    public var eventId: String
    public var type: String
    public var locationId: String?
    public var status: String
    public var attempts: Int
    public var lastStatus: Int?
    public var lastError: String?
    public var nextAttemptAt: Date?
    public var createdAt: Date

    public init(_ delivery: WebhookDelivery) {
        id = delivery.id
        subscriptionId = delivery.subscriptionId
        eventId = delivery.eventId
        type = delivery.type
        locationId = delivery.locationId
        status = delivery.progress.status.rawValue
        attempts = delivery.progress.attempts
        lastStatus = delivery.progress.lastStatus
        lastError = delivery.progress.lastError
        nextAttemptAt = delivery.progress.nextAttemptAt
        createdAt = delivery.createdAt
    }
}
