import Foundation

/// One contact and everything hanging off it (tasks, notes, campaign and workflow enrolments, appointments).
///
/// Client-settable fields are kept verbatim in `fields`; the derived ones HighLevel computes
/// (`*LowerCase`, `dateAdded`, `dateUpdated`, …) are produced when rendering, so they never go stale.
struct StoredContact {
    let id: String
    let locationId: String
    /// Creation order; the stable sort key for every listing and cursor.
    let seq: Int
    let dateAdded: Date
    var dateUpdated: Date
    var fields: [String: JSONValue]
    var tasks: [[String: JSONValue]] = []
    var notes: [[String: JSONValue]] = []
    var campaigns: Set<String> = []
    var workflows: Set<String> = []
    var appointments: [JSONValue] = []

    /// Fields accepted by `CreateContactDto` (contacts.json); `locationId` is required.
    static let createRules = BodyRules(
        [
            "firstName": .string, "lastName": .string, "name": .string, "email": .email, "locationId": .string,
            "gender": .string, "phone": .string, "address1": .string, "city": .string, "state": .string,
            "postalCode": .string, "website": .string, "timezone": .string, "dnd": .bool, "dndSettings": .object,
            "inboundDndSettings": .object, "tags": .stringArray, "customFields": .array, "source": .string,
            "dateOfBirth": .any, "country": .string, "companyName": .string, "assignedTo": .string,
        ],
        required: ["locationId"]
    )
    /// `UpdateContactDto` drops `locationId` and `gender`. It also lacks `companyName`, but live HighLevel
    /// accepts it (highlevel-api.md §4.1, issue #314), so the sandbox does too.
    static let updateRules = createRules.without(["locationId", "gender"])
    /// `UpsertContactDto` = create + `createNewIfDuplicateAllowed`.
    static let upsertRules = createRules.with(["createNewIfDuplicateAllowed": .bool])

    var tags: [String] {
        get { fields["tags"]?.stringArray ?? [] }
        set { fields["tags"] = .strings(newValue) }
    }

    var followers: [String] {
        get { fields["followers"]?.stringArray ?? [] }
        set { fields["followers"] = .strings(newValue) }
    }

    var email: String? { fields["email"]?.stringValue }
    var phone: String? { fields["phone"]?.stringValue }
    var businessId: String? { fields["businessId"]?.stringValue }

    var displayName: String {
        if let name = fields["name"]?.stringValue, !name.isEmpty { return name }
        let parts = [fields["firstName"]?.stringValue, fields["lastName"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.joined(separator: " ")
    }

    /// Applies an already-validated create/update/upsert body. `null` clears an optional field.
    mutating func apply(_ body: [String: JSONValue], now: Date) {
        for (key, value) in body {
            switch key {
            case "locationId", "createNewIfDuplicateAllowed":
                continue
            case "tags":
                tags = Self.normalisedTags(value.stringArray ?? [])
            case "customFields":
                fields["customFields"] = .array(Self.mergeCustomFields(existing: fields["customFields"]?.arrayValue ?? [], input: value.arrayValue ?? []))
            default:
                if value == .null { fields[key] = nil } else { fields[key] = value }
            }
        }
        dateUpdated = now
    }

    static func normalisedTags(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for tag in tags {
            let t = tag.trimmingCharacters(in: .whitespaces)
            if !t.isEmpty, seen.insert(t).inserted { out.append(t) }
        }
        return out
    }

    /// Custom fields come in as `{id | key, field_value}` and are stored/returned as `{id, value}`;
    /// an update only touches the fields it names.
    private static func mergeCustomFields(existing: [JSONValue], input: [JSONValue]) -> [JSONValue] {
        var result = existing
        for item in input {
            guard let object = item.objectValue,
                let id = object["id"]?.stringValue ?? object["key"]?.stringValue
            else { continue }
            let value = object["field_value"] ?? object["value"] ?? .null
            let entry: JSONValue = ["id": .string(id), "value": value]
            if let i = result.firstIndex(where: { $0.objectValue?["id"]?.stringValue == id }) {
                result[i] = entry
            } else {
                result.append(entry)
            }
        }
        return result
    }

    func matches(query: String) -> Bool {
        let q = query.lowercased()
        guard !q.isEmpty else { return true }
        let haystack = [displayName, fields["firstName"]?.stringValue, fields["lastName"]?.stringValue, email, phone, fields["companyName"]?.stringValue]
        return haystack.contains { $0?.lowercased().contains(q) ?? false }
    }

    /// `GetContectByIdSchema` (and `CreateContactSchema` when `forCreate`).
    func render(forCreate: Bool = false) -> JSONValue {
        var out = fields
        out["id"] = .string(id)
        out["locationId"] = .string(locationId)
        out["dateAdded"] = .string(ISODate.string(dateAdded))
        out["dateUpdated"] = .string(ISODate.string(dateUpdated))
        out["tags"] = .strings(tags)
        out["followers"] = .strings(followers)
        out["customFields"] = fields["customFields"] ?? .array([])
        out["dnd"] = fields["dnd"] ?? .bool(false)
        out["type"] = fields["type"] ?? .string("lead")
        let name = displayName
        if !name.isEmpty {
            out["name"] = .string(name)
            out["fullNameLowerCase"] = .string(name.lowercased())
        }
        if let first = fields["firstName"]?.stringValue { out["firstNameLowerCase"] = .string(first.lowercased()) }
        if let last = fields["lastName"]?.stringValue { out["lastNameLowerCase"] = .string(last.lowercased()) }
        if let email { out["emailLowerCase"] = .string(email.lowercased()) }
        if forCreate { out["deleted"] = .bool(false) }
        return .object(out)
    }

    /// Search results use `address` rather than `address1` and carry a `searchAfter` cursor (§3.4).
    func renderForSearch() -> JSONValue {
        guard case .object(var out) = render() else { return render() }
        if let address = out.removeValue(forKey: "address1") { out["address"] = address }
        out["searchAfter"] = [.int(ISODate.millis(dateAdded)), .string(id)]
        return .object(out)
    }
}
