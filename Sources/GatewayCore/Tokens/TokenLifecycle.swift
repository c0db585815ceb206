import Foundation

/// When to refresh an access token and how long to wait after a failed refresh: a value, tested with a manual clock.
public struct TokenLifecycle: Sendable {
    public enum Decision: Sendable, Equatable {
        /// The token is good for a while.
        case use
        /// Inside the refresh margin but still valid: use it, and refresh beside the request.
        case useAndRefresh
        /// Expired or about to: the request waits for a refresh.
        case refreshFirst
        /// No refresh can help.
        case unusable(GatewayError)
    }

    /// The share of a token's lifetime kept as margin before expiry (10%: 2.4 h of HighLevel's day-long tokens)…
    public var marginFraction: Double
    /// …but never more than this, so a day-long token is refreshed in its last 10 minutes, not its last 2.4 hours.
    public var maximumMargin: TimeInterval
    /// A token this close to expiry is treated as expired: it could lapse while the request is in flight.
    public var expirySkewFraction: Double
    public var maximumExpirySkew: TimeInterval
    /// Backoff after the n-th consecutive transient failure: base × 2^(n-1), capped.
    public var retryBase: TimeInterval
    public var retryCap: TimeInterval
    /// HighLevel's `Location is not active` lasts until a human acts; asking every second would be noise.
    public var inactiveLocationRetry: TimeInterval
    /// How long a node that claimed a refresh has it to itself (see ``RefreshJournal``): the token call's timeout
    /// (15 s) and a margin. A node that dies in its call holds the other gateways up this long at most.
    public var refreshLease: TimeInterval

    public init(
        marginFraction: Double = 0.1, maximumMargin: TimeInterval = 600, expirySkewFraction: Double = 0.02,
        maximumExpirySkew: TimeInterval = 30, retryBase: TimeInterval = 1, retryCap: TimeInterval = 60,
        inactiveLocationRetry: TimeInterval = 60, refreshLease: TimeInterval = 30
    ) {
        self.refreshLease = refreshLease
        self.marginFraction = marginFraction
        self.maximumMargin = maximumMargin
        self.expirySkewFraction = expirySkewFraction
        self.maximumExpirySkew = maximumExpirySkew
        self.retryBase = retryBase
        self.retryCap = retryCap
        self.inactiveLocationRetry = inactiveLocationRetry
    }

    public func decide(_ connection: Connection, now: Date) -> Decision {
        if connection.status == .needsAuthorization {
            return .unusable(.needsAuthorization(connection.locationId))
        }
        guard connection.kind == .oauth, let expiresAt = connection.accessTokenExpiresAt else { return .use }
        let lifetime = max(0, expiresAt.timeIntervalSince(connection.accessTokenIssuedAt ?? expiresAt))
        let skew = min(lifetime * expirySkewFraction, maximumExpirySkew)
        let margin = min(lifetime * marginFraction, maximumMargin)
        if now >= expiresAt.addingTimeInterval(-skew) {
            return connection.refreshToken == nil ? .unusable(.needsAuthorization(connection.locationId)) : .refreshFirst
        }
        if now >= expiresAt.addingTimeInterval(-margin), connection.refreshToken != nil {
            return .useAndRefresh
        }
        return .use
    }

    /// How long to leave the token endpoint alone after `failures` consecutive failures of this kind.
    public func retryDelay(afterFailures failures: Int, error: TokenEndpointError) -> TimeInterval {
        if case .locationNotActive = error { return inactiveLocationRetry }
        let exponent = Double(max(0, min(failures - 1, 16)))
        return min(retryCap, retryBase * pow(2, exponent))
    }
}
