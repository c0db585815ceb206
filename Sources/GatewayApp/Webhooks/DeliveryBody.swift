import Foundation
import GatewayCore

/// A delivery's JSON: `{"id", "type", "locationId", "source", "receivedAt", "event"}`, with HighLevel's event
/// embedded byte for byte as it was received (and signed), not re-encoded.
enum DeliveryBody {
    static func make(_ claim: ClaimedDelivery) -> [UInt8] {
        let fields: [(String, Any)] = [
            ("id", claim.delivery.id), ("type", claim.event.type), ("locationId", claim.event.locationId ?? NSNull()),
            ("source", claim.event.source.rawValue), ("receivedAt", Timestamp.rfc3339(claim.event.receivedAt)),
        ]
        var body = Array("{".utf8)
        for (name, value) in fields {
            body += Self.encode(name) + Array(":".utf8) + Self.encode(value) + Array(",".utf8)
        }
        body += Array(#""event":"#.utf8) + claim.event.body + Array("}".utf8)
        return body
    }

    private static func encode(_ value: Any) -> [UInt8] {
        // A fragment (a string or null) as JSON text.
        Array((try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("null".utf8))
    }
}
