/// An error the gateway itself answers, as RFC 9457 problem details. Only the HTTP edge turns it into a response;
/// everything below throws it.
///
/// `detail` is written for the caller: it says what is wrong and what to do, and never holds a key, a token or a body.
public struct GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    /// A short slug; the problem `type` is `urn:contacts-gateway:problem:<slug>`.
    public var slug: String
    public var title: String
    public var detail: String
    /// Extra response fields, such as `Retry-After`.
    public var headers: [String: String]

    public init(status: Int, slug: String, title: String, detail: String, headers: [String: String] = [:]) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers
    }

    public var type: String { "urn:contacts-gateway:problem:\(slug)" }
    public var description: String { "\(status) \(slug): \(detail)" }

    // MARK: 4xx

    public static func badRequest(_ detail: String) -> Self {
        .init(status: 400, slug: "bad-request", title: "Bad Request", detail: detail)
    }

    public static func unauthenticated(_ detail: String) -> Self {
        .init(status: 401, slug: "unauthenticated", title: "Unauthorized", detail: detail,
              headers: ["WWW-Authenticate": "Bearer realm=\"contacts-gateway\""])
    }

    public static func missingScope(_ scope: Scope) -> Self {
        .init(status: 403, slug: "missing-scope", title: "Forbidden",
              detail: "This key's role lacks the scope '\(scope.rawValue)' that this route needs.")
    }

    public static func locationNotAllowed(_ locationId: String) -> Self {
        .init(status: 403, slug: "location-not-allowed", title: "Forbidden",
              detail: "This key may not act on location '\(locationId)'.")
    }

    /// An administrative change past what the acting key holds itself (see `AdministrativeActor`).
    public static func beyondAuthority(_ detail: String) -> Self {
        .init(status: 403, slug: "beyond-authority", title: "Forbidden", detail: detail)
    }

    public static func notFound(_ detail: String) -> Self {
        .init(status: 404, slug: "not-found", title: "Not Found", detail: detail)
    }

    /// The client did not send its request in time (see `GATEWAY_HEADER_TIMEOUT`, `GATEWAY_BODY_TIMEOUT`).
    public static func requestTimeout(_ detail: String) -> Self {
        .init(status: 408, slug: "request-timeout", title: "Request Timeout", detail: detail)
    }

    public static func conflict(_ detail: String) -> Self {
        .init(status: 409, slug: "conflict", title: "Conflict", detail: detail)
    }

    public static func bodyTooLarge(limit: Int) -> Self {
        .init(status: 413, slug: "body-too-large", title: "Content Too Large",
              detail: "The request body is over the gateway's limit of \(limit) bytes.")
    }

    public static func rateLimited(_ decision: RateDecision) -> Self {
        .init(status: 429, slug: "rate-limited", title: "Too Many Requests",
              detail: "This key is over its rate of \(decision.limit) requests per \(decision.policyWindowSeconds)s. "
                + "Retry after \(decision.retryAfterSeconds)s.",
              headers: decision.headers)
    }

    public static func tooManyFailedAuthentications(retryAfterSeconds: Int) -> Self {
        .init(status: 429, slug: "too-many-failed-authentications", title: "Too Many Requests",
              detail: "Too many requests with a missing or unrecognised key came from this address. Retry after "
                + "\(retryAfterSeconds)s, with a valid key.",
              headers: ["Retry-After": String(max(1, retryAfterSeconds))])
    }

    // MARK: 5xx

    public static func internalError(_ detail: String) -> Self {
        .init(status: 500, slug: "internal", title: "Internal Server Error", detail: detail)
    }

    public static func upstreamUnreachable(_ detail: String) -> Self {
        .init(status: 502, slug: "upstream-unreachable", title: "Bad Gateway", detail: detail)
    }

    public static func upstreamTimeout(_ detail: String) -> Self {
        .init(status: 504, slug: "upstream-timeout", title: "Gateway Timeout", detail: detail)
    }

    /// The location has no usable connection: a configuration problem that only an admin fixes, not a passing
    /// fault. Still 503 (the contract's status for it), but said plainly, and with a `Retry-After` long enough that
    /// a client which honours it does not hammer the gateway while it waits for the admin.
    public static func noConnection(_ detail: String) -> Self {
        .init(status: 503, slug: "no-connection", title: "Location Not Connected",
              detail: "Configuration problem, not a passing fault: " + detail
                + " Retrying will not help until an admin has done so.",
              headers: ["Retry-After": String(noConnectionRetryAfterSeconds)])
    }

    /// How long a caller is told to wait after `noConnection`.
    public static let noConnectionRetryAfterSeconds = 300

    public static func needsAuthorization(_ locationId: String) -> Self {
        .init(status: 503, slug: "needs-authorization", title: "Service Unavailable",
              detail: "HighLevel no longer accepts the refresh token of location '\(locationId)'. An admin must "
                + "authorize it again: `contacts-gateway connections authorize-url`, then open the address.")
    }

    public static func tokenUnavailable(_ detail: String, retryAfterSeconds: Int) -> Self {
        .init(status: 503, slug: "token-unavailable", title: "Service Unavailable", detail: detail,
              headers: ["Retry-After": String(max(1, retryAfterSeconds))])
    }

    /// HighLevel's webhook came with no signature, a wrong one, or too old a timestamp. No `WWW-Authenticate`: the
    /// signature is the credential, not a key.
    public static func webhookRefused(_ detail: String) -> Self {
        .init(status: 401, slug: "webhook-refused", title: "Unauthorized", detail: detail)
    }

    /// No HighLevel webhook key is configured, so no event can be told genuine.
    public static func webhooksNotConfigured() -> Self {
        .init(status: 503, slug: "webhooks-not-configured", title: "Service Unavailable",
              detail: "No HighLevel webhook key is configured (GATEWAY_WEBHOOK_PUBLIC_KEY): no event is accepted.")
    }

    /// The event could not be stored now: 429, the one status on which HighLevel sends it again.
    public static func webhookNotTaken(_ detail: String) -> Self {
        .init(status: 429, slug: "webhook-not-taken", title: "Too Many Requests",
              detail: "The event was not stored (\(detail)); send it again.", headers: ["Retry-After": "5"])
    }

    public static func storeUnavailable(_ detail: String) -> Self {
        .init(status: 503, slug: "store-unavailable", title: "Service Unavailable", detail: detail,
              headers: ["Retry-After": "1"])
    }
}
