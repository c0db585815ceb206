import Foundation
import Synchronization

/// Contact records: CRUD, upsert, duplicate lookup, the three listings and the two bulk operations.
/// Response shapes follow contacts.json (`ContactsByIdSuccessfulResponseDto`, `UpdateContactsSuccessfulResponseDto`, …).
extension HighLevelSandbox {
    func getContact(_ call: SandboxCall) throws -> SandboxOutcome {
        let contact = try state.withLock { s in try s.contacts.contact(call.parameter("contactId"), locationId: call.locationId) }
        return .json(200, ["contact": contact.render()])
    }

    func createContact(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        try StoredContact.createRules.validate(body)
        try call.requireOwnLocation(body["locationId"]?.stringValue ?? "")
        let contact = state.withLock { s in s.contacts.create(locationId: call.locationId, body: body, now: Date()) }
        sendContactEvent("ContactCreate", contact)
        return .json(201, ["contact": contact.render(forCreate: true)])
    }

    func updateContact(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        try StoredContact.updateRules.validate(body)
        let (old, contact) = try state.withLock { s in
            try s.contacts.update(call.parameter("contactId"), locationId: call.locationId) { c in
                let old = c
                // "tags … will overwrite all current tags" (UpdateContactDto): apply() replaces them.
                c.apply(body, now: Date())
                return (old, c)
            }
        }
        sendContactUpdateEvents(old: old, new: contact)
        return .json(200, ["succeded": true, "contact": contact.render()])
    }

    func deleteContact(_ call: SandboxCall) throws -> SandboxOutcome {
        let deleted = try state.withLock { s in
            try s.contacts.delete(call.parameter("contactId"), locationId: call.locationId)
        }
        sendContactEvent("ContactDelete", deleted)
        return .json(200, ["succeded": true])
    }

    /// Matches by email, then phone (§3.5). `createNewIfDuplicateAllowed` has no effect: sandbox locations
    /// keep HighLevel's default of not allowing duplicates.
    func upsertContact(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        try StoredContact.upsertRules.validate(body)
        try call.requireOwnLocation(body["locationId"]?.stringValue ?? "")
        let (old, contact) = state.withLock { s -> (StoredContact?, StoredContact) in
            let now = Date()
            if let existing = s.contacts.duplicate(
                in: call.locationId, email: body["email"]?.stringValue, phone: body["phone"]?.stringValue
            ) {
                var updated = existing
                updated.apply(body, now: now)
                s.contacts.put(updated)
                return (existing, updated)
            }
            return (nil, s.contacts.create(locationId: call.locationId, body: body, now: now))
        }
        let isNew = old == nil
        if let old { sendContactUpdateEvents(old: old, new: contact) } else { sendContactEvent("ContactCreate", contact) }
        return .json(200, ["new": .bool(isNew), "contact": contact.render(), "traceId": .string(SandboxFailure.newTraceId())])
    }

    /// `GET /contacts/search/duplicate`. The spec gives no 200 schema; the sandbox answers
    /// `{"contact": {…}}` or `{"contact": null}` (its own choice).
    func duplicateContact(_ call: SandboxCall) throws -> SandboxOutcome {
        let locationId = try call.requiredQuery("locationId")
        try call.requireOwnLocation(locationId)
        let hit = state.withLock { s in
            s.contacts.duplicate(in: locationId, email: call.query["email"], phone: call.query["number"])
        }
        return .json(200, ["contact": hit?.render() ?? .null])
    }

    /// `POST /contacts/search` (§3.4): `locationId` and `pageLimit` required (422 otherwise), `query` matches
    /// name/email/phone/company, `filters` and `sort` as in ``SearchFilter``, paging by `page` or by a
    /// `searchAfter` cursor. Without `sort`, results are in creation order.
    func searchContacts(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        let rules = BodyRules(
            [
                "locationId": .string, "pageLimit": .number, "page": .number, "query": .string, "searchAfter": .array,
                "filters": .array, "sort": .array,
            ],
            required: ["locationId", "pageLimit"]
        )
        try rules.validate(body)
        let pageLimit = body["pageLimit"]?.intValue ?? 0
        guard (1...500).contains(pageLimit) else {
            throw SandboxFailure.unprocessable([pageLimit < 1 ? "pageLimit must not be less than 1" : "pageLimit must not be greater than 500"])
        }
        let page = body["page"]?.intValue ?? 1
        guard page >= 1 else { throw SandboxFailure.unprocessable(["page must not be less than 1"]) }
        let locationId = body["locationId"]?.stringValue ?? ""
        try call.requireOwnLocation(locationId)
        let query = body["query"]?.stringValue ?? ""

        let filter = try SearchFilter(body["filters"]?.arrayValue ?? [])
        let sortKeys = try Self.sortKeys(body["sort"]?.arrayValue ?? [])
        let candidates = state.withLock { s in s.contacts.contacts(in: locationId).filter { $0.matches(query: query) } }
        var rendered = candidates.map { c -> (contact: StoredContact, fields: [String: JSONValue]) in
            (c, c.renderForSearch().objectValue ?? [:])
        }.filter { filter.matches($0.fields) }
        if !sortKeys.isEmpty {
            rendered.sort { l, r in
                for (field, descending) in sortKeys {
                    guard let order = SearchFilter.compare(l.fields[field] ?? .null, r.fields[field] ?? .null), order != 0 else { continue }
                    return descending ? order > 0 : order < 0
                }
                return l.contact.seq < r.contact.seq
            }
        }
        let matching = rendered.map(\.contact)
        var remaining = matching[...]
        if let cursor = body["searchAfter"]?.arrayValue, cursor.count == 2, let afterId = cursor[1].stringValue {
            if let i = matching.firstIndex(where: { $0.id == afterId }) {
                remaining = matching[(i + 1)...]
            } else if let millis = cursor[0].intValue {
                remaining = matching.filter { ISODate.millis($0.dateAdded) > millis }[...]
            }
        } else {
            remaining = remaining.dropFirst((page - 1) * pageLimit)
        }
        let pageItems = remaining.prefix(pageLimit).map { $0.renderForSearch() }
        return .json(200, ["contacts": .array(Array(pageItems)), "total": .int(matching.count)])
    }

    private static func sortKeys(_ sort: [JSONValue]) throws(SandboxFailure) -> [(String, Bool)] {
        var keys: [(String, Bool)] = []
        for (i, item) in sort.enumerated() {
            guard let field = item.objectValue?["field"]?.stringValue else { throw .unprocessable(["sort.\(i).field must be a string"]) }
            let direction = item.objectValue?["direction"]?.stringValue?.lowercased() ?? "asc"
            guard direction == "asc" || direction == "desc" else {
                throw .unprocessable(["sort.\(i).direction must be one of the following values: asc, desc"])
            }
            keys.append((field, direction == "desc"))
        }
        return keys
    }

    /// Deprecated `GET /contacts/` (§3.1): cursor paging by `startAfterId`/`startAfter`, `limit` ≤ 100.
    /// `meta` is not in the spec's response but is what the unreferenced `ContactsMetaSchema` describes.
    func listContactsDeprecated(_ call: SandboxCall) throws -> SandboxOutcome {
        let locationId = try call.requiredQuery("locationId")
        let limit = try call.intQuery("limit", default: 20, min: 1, max: 100)
        try call.requireOwnLocation(locationId)
        let query = call.query["query"] ?? ""
        let matching = state.withLock { s in s.contacts.contacts(in: locationId).filter { $0.matches(query: query) } }
        var remaining = matching[...]
        if let afterId = call.query["startAfterId"], !afterId.isEmpty, let i = matching.firstIndex(where: { $0.id == afterId }) {
            remaining = matching[(i + 1)...]
        } else if let after = call.query["startAfter"].flatMap({ Int($0) }) {
            remaining = matching.filter { ISODate.millis($0.dateAdded) > after }[...]
        }
        let pageItems = Array(remaining.prefix(limit))
        let hasMore = remaining.count > pageItems.count
        let last = pageItems.last
        var meta: [String: JSONValue] = [
            "total": .int(matching.count),
            "startAfterId": last.map { .string($0.id) } ?? .null,
            "startAfter": last.map { .int(ISODate.millis($0.dateAdded)) } ?? .null,
            "currentPage": .null, "nextPage": .null, "prevPage": .null, "nextPageUrl": .null,
        ]
        if hasMore, let last {
            let items = [
                ("locationId", locationId), ("limit", String(limit)), ("startAfterId", last.id),
                ("startAfter", String(ISODate.millis(last.dateAdded))),
            ] + (query.isEmpty ? [] : [("query", query)])
            meta["nextPageUrl"] = .string(FormEncoding.appending(items, to: "/contacts/"))
        }
        return .json(
            200,
            ["contacts": .array(pageItems.map { $0.renderForSearch() }), "count": .int(matching.count), "meta": .object(meta)]
        )
    }

    /// `GET /contacts/business/{businessId}` (§3.2): `locationId` required, `limit` (default 25) and `skip`.
    func contactsByBusiness(_ call: SandboxCall) throws -> SandboxOutcome {
        let locationId = try call.requiredQuery("locationId")
        let limit = try call.intQuery("limit", default: 25, min: 1, max: 100)
        let skip = try call.intQuery("skip", default: 0, min: 0, max: Int.max)
        try call.requireOwnLocation(locationId)
        let businessId = call.parameter("businessId")
        let query = call.query["query"] ?? ""
        let matching = state.withLock { s in
            s.contacts.contacts(in: locationId).filter { $0.businessId == businessId && $0.matches(query: query) }
        }
        let items = matching.dropFirst(skip).prefix(limit).map { $0.renderForSearch() }
        return .json(200, ["contacts": .array(Array(items)), "count": .int(matching.count)])
    }

    /// `POST /contacts/bulk/tags/update/{type}` (`UpdateTagsDTO` → `UpdateTagsResponseDTO`).
    /// Per-contact failures (unknown or foreign contact) become `type: "error"` entries, not a failed call;
    /// `succeded` is true only when no entry failed (the sandbox's reading of the field).
    func bulkTags(_ call: SandboxCall) throws -> SandboxOutcome {
        let type = call.parameter("type")
        guard type == "add" || type == "remove" else {
            throw SandboxFailure.unprocessable(["type must be one of the following values: add, remove"])
        }
        let body = try call.jsonObject()
        let rules = BodyRules(
            ["contacts": .stringArray, "tags": .stringArray, "locationId": .string, "removeAllTags": .bool],
            required: ["contacts", "tags", "locationId"]
        )
        try rules.validate(body)
        let removeAll = body["removeAllTags"]?.boolValue ?? false
        if removeAll && type == "add" {
            throw SandboxFailure.unprocessable(["removeAllTags is only allowed with type remove"])
        }
        let locationId = body["locationId"]?.stringValue ?? ""
        try call.requireOwnLocation(locationId)
        let ids = body["contacts"]?.stringArray ?? []
        let tags = StoredContact.normalisedTags(body["tags"]?.stringArray ?? [])

        var changed: [StoredContact] = []
        let responses: [JSONValue] = state.withLock { s in
            ids.map { id -> JSONValue in
                do {
                    return try s.contacts.update(id, locationId: locationId) { c throws(SandboxFailure) -> JSONValue in
                        let old = c.tags
                        if type == "add" {
                            let added = tags.filter { !old.contains($0) }
                            c.tags = old + added
                            c.dateUpdated = Date()
                            if !added.isEmpty { changed.append(c) }
                            return [
                                "contactId": .string(id), "message": "Tags added successfully", "type": "success",
                                "oldTags": .strings(old), "tagsAdded": .strings(added),
                            ]
                        }
                        let removed = removeAll ? old : old.filter { tags.contains($0) }
                        c.tags = old.filter { !removed.contains($0) }
                        c.dateUpdated = Date()
                        if !removed.isEmpty { changed.append(c) }
                        return [
                            "contactId": .string(id), "message": "Tags removed successfully", "type": "success",
                            "oldTags": .strings(old), "tagsRemoved": .strings(removed),
                        ]
                    }
                } catch let failure as SandboxFailure {
                    let message = failure.body.objectValue?["message"]?.stringValue ?? "Error"
                    return ["contactId": .string(id), "message": .string(message), "type": "error"]
                } catch {
                    return ["contactId": .string(id), "message": "Error", "type": "error"]
                }
            }
        }
        for contact in changed { sendContactEvent("ContactTagUpdate", contact) }
        let errorCount = responses.filter { $0.objectValue?["type"] == "error" }.count
        return .json(201, ["succeded": .bool(errorCount == 0), "errorCount": .int(errorCount), "responses": .array(responses)])
    }

    /// `POST /contacts/bulk/business` (`ContactsBusinessUpdate`): `businessId: null` detaches.
    /// `ids` in the answer lists the contacts actually changed; unknown or foreign ids are skipped.
    func bulkBusiness(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        let rules = BodyRules(
            ["locationId": .string, "ids": .stringArray, "businessId": .nullableString],
            required: ["locationId", "ids", "businessId"]
        )
        try rules.validate(body)
        let locationId = body["locationId"]?.stringValue ?? ""
        try call.requireOwnLocation(locationId)
        let businessId = body["businessId"]?.stringValue
        let ids = body["ids"]?.stringArray ?? []
        let updated: [StoredContact] = state.withLock { s in
            var changed: [StoredContact] = []
            for id in ids {
                guard var c = try? s.contacts.contact(id, locationId: locationId) else { continue }
                c.fields["businessId"] = businessId.map(JSONValue.string)
                c.dateUpdated = Date()
                s.contacts.put(c)
                changed.append(c)
            }
            return changed
        }
        for contact in updated { sendContactEvent("ContactUpdate", contact) }
        return .json(200, ["success": true, "ids": .strings(updated.map(\.id))])
    }
}
