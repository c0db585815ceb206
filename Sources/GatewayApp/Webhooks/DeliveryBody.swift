import Foundation
import GatewayCore

/// A delivery's JSON: `{"id", "type", "locationId", "source", "receivedAt", "event", "contact"}`, with HighLevel's
/// event embedded byte for byte as it was received (and signed), not re-encoded; `contact` only for subscriptions
/// with `enrich`.
enum DeliveryBody {
    /// The contact of an enriched delivery.
    enum Contact: Sendable, Equatable {
        /// `GET /contacts/{contactId}`'s `contact` object, as JSON.
        case fetched([UInt8])
        /// No contact to fetch (the event names none, or HighLevel no longer has it): `"contact": null`.
        case absent
    }

    /// An enriched delivery whose contact could not be had: not sent, tried again on the schedule.
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func make(_ claim: ClaimedDelivery, contact: Contact? = nil) -> [UInt8] {
        let fields: [(String, Any)] = [
            ("id", claim.delivery.id), ("type", claim.event.type), ("locationId", claim.event.locationId ?? NSNull()),
            ("source", claim.event.source.rawValue), ("receivedAt", Timestamp.rfc3339(claim.event.receivedAt)),
        ]
        var body = Array("{".utf8)
        for (name, value) in fields {
            body += Self.encode(name) + Array(":".utf8) + Self.encode(value) + Array(",".utf8)
        }
        body += Array(#""event":"#.utf8) + claim.event.body
        switch contact {
        case .fetched(let object): body += Array(#","contact":"#.utf8) + object
        case .absent: body += Array(#","contact":null"#.utf8)
        case nil: break
        }
        return body + Array("}".utf8)
    }

    /// The `contact` object of HighLevel's `{"contact": {...}}`, re-encoded; anything else is unavailable.
    static func contactObject(in answer: [UInt8]) throws(Unavailable) -> [UInt8] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(answer))) as? [String: Any],
            let contact = object["contact"] as? [String: Any],
            let text = try? JSONSerialization.data(withJSONObject: contact, options: [.sortedKeys, .withoutEscapingSlashes])
        else { throw Unavailable("HighLevel's answer for the contact has no contact object") }
        return Array(text)
    }

    private static func encode(_ value: Any) -> [UInt8] {
        // A fragment (a string or null) as JSON text.
        Array((try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("null".utf8))
    }
}
