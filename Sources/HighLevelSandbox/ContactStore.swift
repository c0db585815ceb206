import Foundation

/// All contacts of all locations. Ids are global, so a contact id from another location is recognised
/// and answered 403 rather than 404, as HighLevel does for cross-location access.
struct ContactStore {
    private(set) var contacts: [String: StoredContact] = [:]
    private var nextSeq = 0

    mutating func create(locationId: String, body: [String: JSONValue], now: Date) -> StoredContact {
        nextSeq += 1
        var contact = StoredContact(
            id: RandomID.highLevelID(), locationId: locationId, seq: nextSeq, dateAdded: now, dateUpdated: now, fields: [:]
        )
        contact.apply(body, now: now)
        contacts[contact.id] = contact
        return contact
    }

    func contact(_ id: String, locationId: String) throws(SandboxFailure) -> StoredContact {
        guard let contact = contacts[id] else { throw .notFound("Contact") }
        guard contact.locationId == locationId else { throw .forbiddenLocation }
        return contact
    }

    /// Runs `body` on the stored contact and keeps its changes only if it does not throw.
    mutating func update<R>(
        _ id: String, locationId: String, _ body: (inout StoredContact) throws(SandboxFailure) -> R
    ) throws(SandboxFailure) -> R {
        var copy = try contact(id, locationId: locationId)
        let result = try body(&copy)
        contacts[id] = copy
        return result
    }

    /// Returns the contact as it was, for the `ContactDelete` event.
    @discardableResult
    mutating func delete(_ id: String, locationId: String) throws(SandboxFailure) -> StoredContact {
        let deleted = try contact(id, locationId: locationId)
        contacts[id] = nil
        return deleted
    }

    mutating func put(_ contact: StoredContact) {
        contacts[contact.id] = contact
    }

    /// The location's contacts in creation order.
    func contacts(in locationId: String) -> [StoredContact] {
        contacts.values.filter { $0.locationId == locationId }.sorted { $0.seq < $1.seq }
    }

    /// Duplicate lookup used by upsert and `GET /contacts/search/duplicate`: email first, then phone
    /// (HighLevel's default priority when the location does not allow duplicates, §3.3/§3.5).
    func duplicate(in locationId: String, email: String?, phone: String?) -> StoredContact? {
        let list = contacts(in: locationId)
        if let email = email?.lowercased(), !email.isEmpty,
            let hit = list.first(where: { $0.email?.lowercased() == email })
        {
            return hit
        }
        if let phone = phone.map(Self.digits), !phone.isEmpty,
            let hit = list.first(where: { $0.phone.map(Self.digits) == phone })
        {
            return hit
        }
        return nil
    }

    private static func digits(_ s: String) -> String {
        String(s.filter(\.isNumber))
    }
}
