import Foundation

/// When a failed upstream call is tried again, and after how long: exponential backoff with full jitter, within
/// the caller's remaining time. A value; the randomness is passed in so tests choose it.
public struct RetryPolicy: Sendable {
    public enum Outcome: Sendable {
        case response(status: Int, retryAfterSeconds: Double?)
        case failure(UpstreamError)
    }

    public enum Decision: Sendable, Equatable {
        case retry(afterSeconds: Double)
        case stop
    }

    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double

    public init(maxAttempts: Int = 3, baseDelay: Double = 0.1, maxDelay: Double = 2) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// GET, PUT and DELETE may be repeated; POST (create, search, upsert) only when HighLevel said 429 (it did not
    /// act) or when the request provably never left (no connection was made).
    public static func isIdempotent(_ method: String) -> Bool {
        ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method)
    }

    public static let retryableStatuses: Set<Int> = [429, 502, 503, 504]

    /// - Parameters:
    ///   - attempt: the attempt that just failed, from 1.
    ///   - remainingSeconds: what is left of the caller's budget.
    ///   - random: a number in [0, 1) for the jitter, drawn only when there is a delay to jitter (a draw from the
    ///     system generator is a `getrandom` system call, which every successful request used to pay).
    public func decide(
        method: String, attempt: Int, outcome: Outcome, remainingSeconds: Double, random: @autoclosure () -> Double
    ) -> Decision {
        guard attempt < maxAttempts else { return .stop }
        let idempotent = Self.isIdempotent(method)
        var retryAfter: Double?
        switch outcome {
        case .response(let status, let after):
            guard Self.retryableStatuses.contains(status) else { return .stop }
            guard idempotent || status == 429 else { return .stop }
            retryAfter = after
        case .failure(let error):
            switch error.kind {
            case .responseTooLarge, .invalidRequest: return .stop
            case .timeout, .unreachable, .connectionLost:
                guard idempotent || !error.requestMayHaveReachedServer else { return .stop }
            }
        }
        let ceiling = min(maxDelay, baseDelay * Double(1 << min(attempt - 1, 20)))
        var delay = ceiling * min(max(random(), 0), 1)
        // Retry-After is honoured, but never past the caller's budget: then the answer goes back now.
        if let retryAfter { delay = max(delay, retryAfter) }
        guard delay < remainingSeconds else { return .stop }
        return .retry(afterSeconds: delay)
    }

    /// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), in seconds from `now`.
    public static func parseRetryAfter(_ value: String?, now: Double) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0, seconds.isFinite { return seconds }
        guard let date = HTTPDate.parse(value) else { return nil }
        return max(0, date - now)
    }
}
