import Foundation

/// An internal tool's standing request for HighLevel's events: which types (or `*`), from which locations (none
/// named: every location), sent where, signed with which secret. The stores seal `secret` at rest as they seal
/// upstream tokens; it leaves the gateway only once, in the answer that creates the subscription.
public struct WebhookSubscription: Sendable, Equatable {
    /// `*` in ``events``: every event type.
    public static let everyEvent = "*"

    public let id: String
    public var url: String
    /// HighLevel's event types, e.g. `ContactCreate`, or ``everyEvent``.
    public var events: [String]
    /// Locations whose events it takes; empty for every location.
    public var locations: [String]
    /// Whether each delivery carries the contact as fetched upstream.
    public var enrich: Bool
    /// `whsec_` and the base64 of the signing key.
    public var secret: String
    public let createdAt: Date
    /// Set when a receiver answered 410 Gone (or an admin disabled it): no new deliveries until enabled again.
    public var disabledAt: Date?
    public var disabledReason: String?

    public init(
        id: String, url: String, events: [String], locations: [String], enrich: Bool, secret: String, createdAt: Date,
        disabledAt: Date? = nil, disabledReason: String? = nil
    ) {
        self.id = id
        self.url = url
        self.events = events
        self.locations = locations
        self.enrich = enrich
        self.secret = secret
        self.createdAt = createdAt
        self.disabledAt = disabledAt
        self.disabledReason = disabledReason
    }

    /// A new subscription id: `sub_` and 20 random characters.
    public static func newID() -> String { "sub_" + RandomToken.alphanumeric(20, lowercaseOnly: true) }

    public var isEnabled: Bool { disabledAt == nil }

    /// Whether an event of `type` from `locationId` is delivered to it (a disabled subscription takes none).
    public func takes(type: String, locationId: String?) -> Bool {
        guard isEnabled else { return false }
        guard events.contains(Self.everyEvent) || events.contains(type) else { return false }
        guard !locations.isEmpty else { return true }
        return locationId.map(locations.contains) ?? false
    }
}
