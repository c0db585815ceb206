/// The 32 operations of HighLevel's Contacts API v2 (`apps/contacts.json`, `Version: 2021-07-28`) that the gateway
/// proxies. This array is the one place these facts live: the router, the scope check, the audit label and the
/// OpenAPI document all read it, and a test checks it against the official spec in `Sources/GatewayOpenAPI/HighLevel/contacts.json`.
public struct RouteTable: Sendable {
    public let operations: [UpstreamOperation]

    public init(operations: [UpstreamOperation]) {
        // Literal segments beat parameters (`/contacts/search` before `/contacts/{contactId}`), so the most literal
        // template is tried first.
        self.operations = operations.sorted { $0.path.literalCount > $1.path.literalCount }
    }

    public static let contacts = RouteTable(operations: [
        // Search and lookup.
        .init(id: "search-contacts-advanced", method: "POST", path: "/contacts/search",
              scope: .contactsReadonly, summary: "Search Contacts", hasBody: true, locationIn: .body),
        .init(id: "get-duplicate-contact", method: "GET", path: "/contacts/search/duplicate",
              scope: .contactsReadonly, summary: "Get Duplicate Contact", hasBody: false, locationIn: .query),
        .init(id: "get-contacts-by-businessId", method: "GET", path: "/contacts/business/{businessId}",
              scope: .contactsReadonly, summary: "Get Contacts By BusinessId", hasBody: false, locationIn: .query),
        .init(id: "get-contacts", method: "GET", path: "/contacts/",
              scope: .contactsReadonly, summary: "Get Contacts", hasBody: false, deprecated: true, locationIn: .query),
        // Contacts.
        .init(id: "create-contact", method: "POST", path: "/contacts/",
              scope: .contactsWrite, summary: "Create Contact", hasBody: true, locationIn: .body),
        .init(id: "upsert-contact", method: "POST", path: "/contacts/upsert",
              scope: .contactsWrite, summary: "Upsert Contact", hasBody: true, locationIn: .body),
        .init(id: "get-contact", method: "GET", path: "/contacts/{contactId}",
              scope: .contactsReadonly, summary: "Get Contact", hasBody: false),
        .init(id: "update-contact", method: "PUT", path: "/contacts/{contactId}",
              scope: .contactsWrite, summary: "Update Contact", hasBody: true),
        .init(id: "delete-contact", method: "DELETE", path: "/contacts/{contactId}",
              scope: .contactsWrite, summary: "Delete Contact", hasBody: false),
        // Tasks.
        .init(id: "get-all-tasks", method: "GET", path: "/contacts/{contactId}/tasks",
              scope: .contactsReadonly, summary: "Get all Tasks", hasBody: false),
        .init(id: "create-task", method: "POST", path: "/contacts/{contactId}/tasks",
              scope: .contactsWrite, summary: "Create Task", hasBody: true),
        .init(id: "get-task", method: "GET", path: "/contacts/{contactId}/tasks/{taskId}",
              scope: .contactsReadonly, summary: "Get Task", hasBody: false),
        .init(id: "update-task", method: "PUT", path: "/contacts/{contactId}/tasks/{taskId}",
              scope: .contactsWrite, summary: "Update Task", hasBody: true),
        .init(id: "delete-task", method: "DELETE", path: "/contacts/{contactId}/tasks/{taskId}",
              scope: .contactsWrite, summary: "Delete Task", hasBody: false),
        .init(id: "update-task-completed", method: "PUT", path: "/contacts/{contactId}/tasks/{taskId}/completed",
              scope: .contactsWrite, summary: "Update Task Completed", hasBody: true),
        // Appointments.
        .init(id: "get-appointments-for-contact", method: "GET", path: "/contacts/{contactId}/appointments",
              scope: .contactsReadonly, summary: "Get Appointments for Contact", hasBody: false),
        // Tags.
        .init(id: "add-tags", method: "POST", path: "/contacts/{contactId}/tags",
              scope: .contactsWrite, summary: "Add Tags", hasBody: true),
        .init(id: "remove-tags", method: "DELETE", path: "/contacts/{contactId}/tags",
              scope: .contactsWrite, summary: "Remove Tags", hasBody: true),
        // Notes.
        .init(id: "get-all-notes", method: "GET", path: "/contacts/{contactId}/notes",
              scope: .contactsReadonly, summary: "Get All Notes", hasBody: false),
        .init(id: "create-note", method: "POST", path: "/contacts/{contactId}/notes",
              scope: .contactsWrite, summary: "Create Note", hasBody: true),
        .init(id: "get-note", method: "GET", path: "/contacts/{contactId}/notes/{id}",
              scope: .contactsReadonly, summary: "Get Note", hasBody: false),
        .init(id: "update-note", method: "PUT", path: "/contacts/{contactId}/notes/{id}",
              scope: .contactsWrite, summary: "Update Note", hasBody: true),
        .init(id: "delete-note", method: "DELETE", path: "/contacts/{contactId}/notes/{id}",
              scope: .contactsWrite, summary: "Delete Note", hasBody: false),
        // Bulk. HighLevel's spec declares no scope for these two; they write, so they need `contacts.write`.
        .init(id: "create-association", method: "POST", path: "/contacts/bulk/tags/update/{type}",
              scope: .contactsWrite, summary: "Update Contacts Tags", hasBody: true,
              allowedValues: ["type": ["add", "remove"]], locationIn: .body),
        .init(id: "add-remove-contact-from-business", method: "POST", path: "/contacts/bulk/business",
              scope: .contactsWrite, summary: "Add/Remove Contacts From Business", hasBody: true, locationIn: .body),
        // Followers.
        .init(id: "add-followers-contact", method: "POST", path: "/contacts/{contactId}/followers",
              scope: .contactsWrite, summary: "Add Followers", hasBody: true),
        .init(id: "remove-followers-contact", method: "DELETE", path: "/contacts/{contactId}/followers",
              scope: .contactsWrite, summary: "Remove Followers", hasBody: true),
        // Campaigns.
        .init(id: "add-contact-to-campaign", method: "POST", path: "/contacts/{contactId}/campaigns/{campaignId}",
              scope: .contactsWrite, summary: "Add Contact to Campaign", hasBody: true),
        .init(id: "remove-contact-from-campaign", method: "DELETE",
              path: "/contacts/{contactId}/campaigns/{campaignId}",
              scope: .contactsWrite, summary: "Remove Contact From Campaign", hasBody: false),
        .init(id: "remove-contact-from-every-campaign", method: "DELETE",
              path: "/contacts/{contactId}/campaigns/removeAll",
              scope: .contactsWrite, summary: "Remove Contact From Every Campaign", hasBody: false),
        // Workflows.
        .init(id: "add-contact-to-workflow", method: "POST", path: "/contacts/{contactId}/workflow/{workflowId}",
              scope: .contactsWrite, summary: "Add Contact to Workflow", hasBody: true),
        .init(id: "delete-contact-from-workflow", method: "DELETE",
              path: "/contacts/{contactId}/workflow/{workflowId}",
              scope: .contactsWrite, summary: "Delete Contact from Workflow", hasBody: true),
    ])

    /// Finds the operation for a request's method and raw (still percent-encoded) path.
    ///
    /// Ids are decoded, checked against `PathIdentifier`, and put back unencoded, so nothing a caller sends (an
    /// encoded `/`, `..`, `%00`, a query in the path) can produce an upstream path outside this table.
    /// The operation with this `id`; the gateway's own calls name the one they make. A name not in the table is a
    /// programming error.
    public func operation(id: String) -> UpstreamOperation {
        guard let operation = operations.first(where: { $0.id == id }) else {
            preconditionFailure("no operation '\(id)' in the route table")
        }
        return operation
    }

    public func match(method: String, rawPath: String) -> RouteMatch {
        guard rawPath.hasPrefix("/") else { return .notFound }
        let segments = Self.segments(of: rawPath).dropFirst()
        var firstInvalid: RouteMatch?
        for operation in operations where operation.method == method && operation.path.segments.count == segments.count {
            switch Self.bind(operation.path, to: segments) {
            case .none: continue
            case .some(.success(let parameters)):
                return .matched(operation, parameters: parameters)
            case .some(.failure(let problem)):
                firstInvalid = firstInvalid ?? .invalidParameter(operation, name: problem.name, reason: problem.reason)
            }
        }
        return firstInvalid ?? .notFound
    }

    /// The path split at every `/` byte. Splitting the `String` by `Character` walked grapheme clusters on every
    /// request (`match` was 4.9 % of the Swift pool's samples, 3.5 % after this; bench/README.md); a `/` followed by a
    /// combining mark now ends a segment too, and the mark, not being an identifier byte, fails like any other.
    private static func segments(of rawPath: String) -> [Substring] {
        var segments: [Substring] = []
        segments.reserveCapacity(8)
        let utf8 = rawPath.utf8
        var start = utf8.startIndex
        var index = start
        while index < utf8.endIndex {
            if utf8[index] == UInt8(ascii: "/") {
                segments.append(rawPath[start..<index])
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        segments.append(rawPath[start..<utf8.endIndex])
        return segments
    }

    private struct InvalidParameter: Error {
        let name: String
        let reason: String
    }

    /// `nil` when a literal segment differs; otherwise the decoded parameters, or the first one that is not acceptable.
    private static func bind(
        _ template: PathTemplate, to raw: ArraySlice<Substring>
    ) -> Result<[String: String], InvalidParameter>? {
        var parameters: [String: String] = [:]
        var invalid: InvalidParameter?
        for (segment, rawSegment) in zip(template.segments, raw) {
            switch segment {
            case .literal(let text):
                guard rawSegment == text else { return nil }
            case .parameter(let name, let allowed):
                // An empty id ("/contacts/a/tasks/") is a different, unknown path, not a malformed id.
                guard !rawSegment.isEmpty else { return nil }
                guard invalid == nil else { continue }
                guard let decoded = PercentEncoding.decode(rawSegment), PathIdentifier.isValid(decoded) else {
                    invalid = InvalidParameter(name: name, reason: PathIdentifier.rule)
                    continue
                }
                if let allowed, !allowed.contains(decoded) {
                    invalid = InvalidParameter(name: name, reason: "one of \(allowed.sorted().joined(separator: ", "))")
                    continue
                }
                parameters[name] = decoded
            }
        }
        if let invalid { return .failure(invalid) }
        return .success(parameters)
    }
}
