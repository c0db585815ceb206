import Foundation

/// One reconciliation pass over one location, as a value: the searches it asks HighLevel for, page by page
/// (`POST /contacts/search`, `dateUpdated` in the pass's window, oldest first, `searchAfter` paging), and the contacts
/// it finds changed later than anything the gateway holds for them. The service sends the searches through the
/// location's shaping budget and stores ``cursorAfter`` when the pass ends, so a restart goes on from there.
public struct ReconciliationPass: Sendable, Equatable {
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// A contact the search returned.
    public struct Found: Sendable, Equatable {
        public let contactId: String
        public let dateUpdated: Date
        /// The contact as the search returned it, as JSON (without its `searchAfter`).
        public var contact: [UInt8] = []
    }

    /// Contacts per search; HighLevel allows up to 500.
    public static let pageLimit = 100
    /// How far before its cursor a pass looks, for clocks that differ between HighLevel and the gateway; what the
    /// overlap finds again is not delivered twice, because the gateway holds its `dateUpdated` already.
    public static let overlap: TimeInterval = 120

    public let locationId: String
    public let from: Date
    public let to: Date
    /// The last contact's `searchAfter`, as JSON text, for the next page; nil before the first.
    public private(set) var searchAfter: String?
    public private(set) var finished = false

    /// - Parameters:
    ///   - cursor: where the last pass ended; a first pass looks back `firstLookBack` from `now`.
    public init(locationId: String, cursor: Date?, now: Date, firstLookBack: TimeInterval) {
        self.locationId = locationId
        self.from = (cursor ?? now.addingTimeInterval(-firstLookBack)).addingTimeInterval(-Self.overlap)
        self.to = now
    }

    /// Where the next pass starts once this one has finished.
    public var cursorAfter: Date { to }

    /// The next search's JSON body.
    public func searchBody() -> [UInt8] {
        var body: [String: Any] = [
            "locationId": locationId,
            "pageLimit": Self.pageLimit,
            "filters": [[
                "field": "dateUpdated", "operator": "range",
                "value": ["gte": ISOTime.text(from), "lte": ISOTime.text(to)],
            ]],
            "sort": [["field": "dateUpdated", "direction": "asc"]],
        ]
        if let searchAfter, let cursor = try? JSONSerialization.jsonObject(with: Data(searchAfter.utf8)) {
            body["searchAfter"] = cursor
        }
        return Array((try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data())
    }

    /// Takes one page of HighLevel's answer (`{"contacts": [...], "total": n}`) and returns its contacts. A page
    /// shorter than ``pageLimit`` ends the pass.
    public mutating func take(page: [UInt8]) throws(Malformed) -> [Found] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(page))) as? [String: Any],
            let contacts = object["contacts"] as? [[String: Any]]
        else { throw Malformed("HighLevel's search answer has no contacts array") }
        var found: [Found] = []
        for contact in contacts {
            guard let id = contact["id"] as? String, let text = contact["dateUpdated"] as? String,
                let updated = ISOTime.parse(text)
            else { throw Malformed("a contact in HighLevel's search answer has no id or dateUpdated") }
            var fields = contact
            fields["searchAfter"] = nil
            let json = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
            found.append(Found(contactId: id, dateUpdated: updated, contact: Array(json)))
        }
        if contacts.count < Self.pageLimit {
            finished = true
        } else if let last = contacts.last?["searchAfter"], JSONSerialization.isValidJSONObject(last),
            let text = try? JSONSerialization.data(withJSONObject: last)
        {
            searchAfter = String(decoding: text, as: UTF8.self)
        } else {
            throw Malformed("a full page of HighLevel's search answer has no searchAfter to go on from")
        }
        return found
    }

    /// What becomes a `ContactUpdate` delivery: each contact changed later than the last `dateUpdated` the gateway
    /// holds for it (from an event or an earlier pass), newest change per contact once.
    public static func changes(in found: [Found], known: [String: Date]) -> [Found] {
        var latest: [String: Found] = [:]
        // At HighLevel's precision: a time held in a store comes back a hair off the one parsed from the same text.
        for contact in found
        where ISOTime.milliseconds(contact.dateUpdated) > known[contact.contactId].map(ISOTime.milliseconds) ?? .min {
            if let seen = latest[contact.contactId], seen.dateUpdated >= contact.dateUpdated { continue }
            latest[contact.contactId] = contact
        }
        return latest.values.sorted { ($0.dateUpdated, $0.contactId) < ($1.dateUpdated, $1.contactId) }
    }

    /// A change found, as the event the gateway holds and delivers: a `ContactUpdate` shaped as HighLevel's (the
    /// contact's fields with `type` and `locationId`), whose id makes a change found on several passes, or by
    /// several gateways, one event.
    public func event(for change: Found, receivedAt: Date) -> WebhookEventRecord {
        var fields = ((try? JSONSerialization.jsonObject(with: Data(change.contact))) as? [String: Any]) ?? [:]
        fields["id"] = change.contactId
        fields["type"] = HighLevelEventType.contactUpdate
        fields["locationId"] = locationId
        let body = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
        return WebhookEventRecord(
            id: WebhookEventRecord.reconciledID(
                locationId: locationId, contactId: change.contactId, dateUpdated: change.dateUpdated),
            type: HighLevelEventType.contactUpdate, locationId: locationId, contactId: change.contactId,
            source: .reconcile, receivedAt: receivedAt, contactUpdatedAt: change.dateUpdated, body: Array(body))
    }
}
