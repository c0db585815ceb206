/// Counters a test or benchmark can read to see what the gateway actually sent upstream.
public struct SandboxStats: Sendable, Codable, Hashable {
    /// Every request to `POST /oauth/token`, whatever its outcome (faulted requests excluded).
    public var tokenRequests: Int = 0
    /// Successful `authorization_code` exchanges.
    public var authorizationCodeGrants: Int = 0
    /// Successful `refresh_token` grants.
    public var refreshGrants: Int = 0
    /// Token requests rejected with `Invalid grant: …` (unknown, expired, reused or mismatched code/refresh token).
    public var invalidGrants: Int = 0
    /// Every Contacts API request the sandbox handled, including ones answered 401/403/429 (faulted requests excluded).
    public var apiRequests: Int = 0
    /// Contacts API requests answered 429.
    public var rateLimited: Int = 0
    /// Requests that consumed a fault (delay, status or drop).
    public var faultsInjected: Int = 0
    /// Successful refresh grants per location.
    public var refreshGrantsByLocation: [String: Int] = [:]
    /// The webhook events sent to ``SandboxConfiguration/webhookURL``.
    public var webhooks = SandboxWebhookStats()

    public init() {}
}
