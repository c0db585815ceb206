import Foundation

/// What the audit trail records of one request: the contract's fields, never a key, a token or a body.
/// (`seq`, `prevHash` and `hash` are the store's to assign.)
public struct AuditEvent: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        case ok, unauthenticated, denied
        case rateLimited = "rate_limited"
        case upstreamError = "upstream_error"
        case error
    }

    public var time: Date
    public var requestId: String
    public var keyId: String?
    public var keyName: String?
    public var role: String?
    public var method: String
    /// The route template, e.g. `GET /contacts/{contactId}/tasks`; the raw path for requests that matched none.
    public var route: String
    public var path: String
    public var locationId: String?
    public var contactId: String?
    public var resourceId: String?
    public var status: Int
    public var outcome: Outcome
    public var upstreamStatus: Int?
    public var upstreamAttempts: Int
    public var durationMs: Double
    public var client: String?

    public init(
        time: Date, requestId: String, method: String, route: String, path: String, status: Int, outcome: Outcome,
        keyId: String? = nil, keyName: String? = nil, role: String? = nil, locationId: String? = nil,
        contactId: String? = nil, resourceId: String? = nil, upstreamStatus: Int? = nil, upstreamAttempts: Int = 0,
        durationMs: Double = 0, client: String? = nil
    ) {
        self.time = time
        self.requestId = requestId
        self.method = method
        self.route = route
        self.path = path
        self.status = status
        self.outcome = outcome
        self.keyId = keyId
        self.keyName = keyName
        self.role = role
        self.locationId = locationId
        self.contactId = contactId
        self.resourceId = resourceId
        self.upstreamStatus = upstreamStatus
        self.upstreamAttempts = upstreamAttempts
        self.durationMs = durationMs
        self.client = client
    }

    /// The outcome a gateway status stands for when no upstream answered.
    public static func outcome(forGatewayStatus status: Int) -> Outcome {
        switch status {
        case 401: .unauthenticated
        case 403: .denied
        case 429: .rateLimited
        case 502, 504: .upstreamError
        case 200..<400: .ok
        default: .error
        }
    }
}
