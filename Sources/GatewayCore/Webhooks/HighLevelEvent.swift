import Foundation

/// The envelope fields of one HighLevel webhook event, read from its body; the body itself is kept as received
/// (it is what was signed, and what subscribers get as `event`).
public struct HighLevelEvent: Sendable, Equatable {
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// HighLevel's event type, e.g. `ContactUpdate`.
    public let type: String
    /// HighLevel's id of this event, the key it is deduplicated by.
    public let webhookId: String
    public let locationId: String?
    /// When HighLevel sent it.
    public let timestamp: Date
    /// The contact it concerns: `contactId` on note and task events, `id` on contact events.
    public let contactId: String?
    /// The contact's `dateUpdated`, where the event carries one (contact events do).
    public let dateUpdated: Date?
    public let body: [UInt8]

    /// How far `timestamp` may be from now before the event is refused as a replay (HighLevel's own advice).
    public static let tolerance: TimeInterval = 5 * 60

    public init(body: [UInt8]) throws(Malformed) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw Malformed("the body is not a JSON object")
        }
        guard let type = object["type"] as? String, !type.isEmpty else { throw Malformed("the event has no type") }
        guard let webhookId = object["webhookId"] as? String, !webhookId.isEmpty, webhookId.utf8.count <= 200 else {
            throw Malformed("the event has no webhookId")
        }
        guard let timestamp = Self.time(object["timestamp"]) else {
            throw Malformed("the event's timestamp is missing or not a time (RFC 3339 or epoch milliseconds)")
        }
        self.type = type
        self.webhookId = webhookId
        self.locationId = object["locationId"] as? String
        self.timestamp = timestamp
        self.contactId = type.hasPrefix("Contact") ? object["id"] as? String : object["contactId"] as? String
        self.dateUpdated = Self.time(object["dateUpdated"])
        self.body = body
    }

    /// Whether the event was sent within ``tolerance`` of `now`, either way.
    public func isFresh(at now: Date) -> Bool {
        abs(timestamp.timeIntervalSince(now)) <= Self.tolerance
    }

    private static func time(_ value: Any?) -> Date? {
        switch value {
        case let text as String:
            return ISOTime.parse(text) ?? Double(text).map { Date(timeIntervalSince1970: $0 / 1000) }
        case let number as NSNumber:
            return Date(timeIntervalSince1970: number.doubleValue / 1000)
        default:
            return nil
        }
    }
}
