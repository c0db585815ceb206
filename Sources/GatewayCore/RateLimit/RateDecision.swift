import Foundation

/// What the limiter decided for one request, and what the caller is told about its key's limit in the
/// `RateLimit-Policy` / `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers-11.
public struct RateDecision: Sendable, Equatable {
    public var allowed: Bool
    /// The policy's quota: the burst.
    public var limit: Int
    /// The time the burst takes to refill at the sustained rate.
    public var windowSeconds: TimeInterval
    /// Requests the key could still send right now.
    public var remaining: Int
    /// Seconds until the next request would be admitted (0 when allowed).
    public var retryAfter: TimeInterval
    /// Seconds until the key's full burst is available again.
    public var resetAfter: TimeInterval

    public init(
        allowed: Bool, limit: Int, windowSeconds: TimeInterval, remaining: Int, retryAfter: TimeInterval,
        resetAfter: TimeInterval
    ) {
        self.allowed = allowed
        self.limit = limit
        self.windowSeconds = windowSeconds
        self.remaining = remaining
        self.retryAfter = retryAfter
        self.resetAfter = resetAfter
    }

    /// Whole seconds, never 0 for a refusal: a client that retries at once would only be refused again.
    public var retryAfterSeconds: Int { max(1, Int(retryAfter.rounded(.up))) }

    /// The window in whole seconds, as the policy field states it.
    public var policyWindowSeconds: Int { max(1, Int((windowSeconds - 1e-9).rounded(.up))) }

    /// `"key";q=10;w=1`: the burst, and the seconds it takes to refill.
    public var policyField: String { "\"key\";q=\(limit);w=\(policyWindowSeconds)" }

    /// `"key";r=0;t=1`: what is left, and in how many seconds the window resets (when refused: when to retry).
    public var stateField: String {
        let seconds = allowed ? max(0, Int((resetAfter - 1e-9).rounded(.up))) : retryAfterSeconds
        return "\"key\";r=\(remaining);t=\(seconds)"
    }

    /// The response fields for this decision; `Retry-After` only on a refusal.
    public var headers: [String: String] {
        var fields = ["RateLimit-Policy": policyField, "RateLimit": stateField]
        if !allowed { fields["Retry-After"] = String(retryAfterSeconds) }
        return fields
    }
}
