/// One HighLevel Contacts operation that the gateway proxies: the single source for the router, the scope check,
/// the audit label and the OpenAPI document.
public struct UpstreamOperation: Sendable, Hashable, Identifiable {
    /// HighLevel's `operationId`, e.g. `get-contact`.
    public let id: String
    public let method: String
    public let path: PathTemplate
    public let scope: Scope
    public let summary: String
    /// Whether the operation takes a JSON request body (DELETE included: tags, followers and workflow removal do).
    public let hasBody: Bool
    /// The `Version` header HighLevel requires for this operation.
    public let version: String
    public let deprecated: Bool
    /// Where HighLevel requires the `locationId` of this operation, if it does (its spec's required query parameter
    /// or required body field).
    public let locationIn: LocationPlacement?

    public init(
        id: String, method: String, path: String, scope: Scope, summary: String, hasBody: Bool,
        version: String = "2021-07-28", deprecated: Bool = false, allowedValues: [String: Set<String>] = [:],
        locationIn: LocationPlacement? = nil
    ) {
        self.locationIn = locationIn
        self.id = id
        self.method = method
        self.path = PathTemplate(path, allowedValues: allowedValues)
        self.scope = scope
        self.summary = summary
        self.hasBody = hasBody
        self.version = version
        self.deprecated = deprecated
    }

    /// The audit record's `route`: the method and the template, e.g. `GET /contacts/{contactId}/tasks`.
    public var label: String { "\(method) \(path.text)" }

    /// The path parameter that names a contact, when the operation has one.
    public var contactParameter: String? { path.parameterNames.contains("contactId") ? "contactId" : nil }

    /// The innermost other path parameter (task, note, campaign, workflow, business or bulk type): the audit's `resourceId`.
    public var resourceParameter: String? { path.parameterNames.last { $0 != "contactId" } }
}
