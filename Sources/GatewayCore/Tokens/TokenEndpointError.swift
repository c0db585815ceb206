/// How a call to HighLevel's token endpoint failed, sorted by what the gateway must do with the refresh token.
public enum TokenEndpointError: Error, Sendable, Equatable {
    /// `Invalid grant`: the refresh token is used, expired or revoked. Dead, unless another process rotated it.
    case invalidGrant(String)
    /// `Location is not active`: HighLevel accepts the same refresh token again once the location is reactivated.
    case locationNotActive(String)
    /// The endpoint said no for a reason a retry will not fix (bad client credentials, a malformed request).
    /// The refresh token is kept: it was not the problem.
    case rejected(status: Int, message: String)
    /// 5xx, 429, a timeout, a dropped connection or an unreadable answer: try again later, keep the token.
    case transient(String)
}
