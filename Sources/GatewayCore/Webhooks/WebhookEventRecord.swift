import Foundation

/// An event the gateway took and holds: one HighLevel sent (`webhook`), or one reconciliation found that HighLevel
/// never sent (`reconcile`). Its ``id`` is the deduplication key: HighLevel's `webhookId`, or for a reconciled change
/// one made of the location, contact and `dateUpdated`, so a change found on several passes is delivered once.
public struct WebhookEventRecord: Sendable, Equatable {
    public enum Source: String, Sendable, Codable, CaseIterable {
        case webhook, reconcile
    }

    public let id: String
    public let type: String
    public let locationId: String?
    public let contactId: String?
    public let source: Source
    public let receivedAt: Date
    /// When the contact last changed, as far as this event says (its `dateUpdated`, else its `timestamp`): what
    /// reconciliation compares a search's `dateUpdated` with.
    public let contactUpdatedAt: Date?
    /// The event's JSON as received (for `reconcile`, as the gateway wrote it): what subscribers get as `event`.
    public let body: [UInt8]

    public init(
        id: String, type: String, locationId: String?, contactId: String?, source: Source, receivedAt: Date,
        contactUpdatedAt: Date?, body: [UInt8]
    ) {
        self.id = id
        self.type = type
        self.locationId = locationId
        self.contactId = contactId
        self.source = source
        self.receivedAt = receivedAt
        self.contactUpdatedAt = contactUpdatedAt
        self.body = body
    }

    /// The id a reconciled change is deduplicated by.
    public static func reconciledID(locationId: String, contactId: String, dateUpdated: Date) -> String {
        "reconcile:\(locationId):\(contactId):\(ISOTime.milliseconds(dateUpdated))"
    }
}
