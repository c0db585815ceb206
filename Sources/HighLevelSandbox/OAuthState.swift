/// Authorization codes, access tokens, refresh tokens and Private Integration Tokens.
///
/// Expired records are kept (not deleted) so an expired token can be told apart from one never issued:
/// the two get different 401 bodies.
struct OAuthState {
    struct AuthorizationCode {
        let clientId: String
        let redirectURI: String
        let locationId: String
        let scope: String
        let expiresAt: ContinuousClock.Instant
    }

    struct AccessToken {
        let locationId: String
        /// `nil` for Private Integration Tokens, which never expire.
        var expiresAt: ContinuousClock.Instant?
    }

    struct RefreshToken {
        let clientId: String
        let locationId: String
        let scope: String
        let expiresAt: ContinuousClock.Instant
    }

    struct IssuedPair {
        let accessToken: String
        let refreshToken: String
    }

    enum Authentication {
        case valid(locationId: String)
        case expired
        case unknown
    }

    /// Authorization codes live 10 minutes; refresh tokens a year (highlevel-api.md §2.3).
    static let codeLifetime: Duration = .seconds(600)
    static let refreshLifetime: Duration = .seconds(365 * 86400)

    private var codes: [String: AuthorizationCode] = [:]
    private var accessTokens: [String: AccessToken] = [:]
    private var refreshTokens: [String: RefreshToken] = [:]

    mutating func issueCode(clientId: String, redirectURI: String, locationId: String, scope: String, now: ContinuousClock.Instant) -> String {
        let code = RandomID.token(prefix: "sbx-code-")
        codes[code] = AuthorizationCode(
            clientId: clientId, redirectURI: redirectURI, locationId: locationId, scope: scope,
            expiresAt: now.advanced(by: Self.codeLifetime)
        )
        return code
    }

    func pendingCodeLocation(_ code: String) -> String? {
        codes[code]?.locationId
    }

    /// Single use: a code is removed the moment it is redeemed successfully.
    /// `redirectURI` is only compared when the client sends one (it is optional on the token endpoint).
    mutating func redeemCode(_ code: String, clientId: String, redirectURI: String?, now: ContinuousClock.Instant) -> AuthorizationCode? {
        guard let record = codes[code] else { return nil }
        guard record.expiresAt > now else {
            codes[code] = nil
            return nil
        }
        guard record.clientId == clientId else { return nil }
        if let redirectURI, redirectURI != record.redirectURI { return nil }
        codes[code] = nil
        return record
    }

    mutating func issueTokens(clientId: String, locationId: String, scope: String, lifetime: Duration, now: ContinuousClock.Instant) -> IssuedPair {
        let access = RandomID.token(prefix: "sbx-at-")
        let refresh = RandomID.token(prefix: "sbx-rt-")
        accessTokens[access] = AccessToken(locationId: locationId, expiresAt: now.advanced(by: lifetime))
        refreshTokens[refresh] = RefreshToken(
            clientId: clientId, locationId: locationId, scope: scope, expiresAt: now.advanced(by: Self.refreshLifetime)
        )
        return IssuedPair(accessToken: access, refreshToken: refresh)
    }

    func refreshToken(_ token: String, clientId: String, now: ContinuousClock.Instant) -> RefreshToken? {
        guard let record = refreshTokens[token], record.expiresAt > now, record.clientId == clientId else { return nil }
        return record
    }

    /// Rotation: HighLevel refresh tokens are single-use ("…or has already been used", §2.2).
    mutating func consumeRefreshToken(_ token: String) {
        refreshTokens[token] = nil
    }

    mutating func issuePrivateIntegrationToken(locationId: String) -> String {
        // Real PITs look like `pit-<uuid>`.
        let token = "pit-" + RandomID.uuidLike()
        accessTokens[token] = AccessToken(locationId: locationId, expiresAt: nil)
        return token
    }

    func authenticate(_ token: String, now: ContinuousClock.Instant) -> Authentication {
        guard let record = accessTokens[token] else { return .unknown }
        if let expiresAt = record.expiresAt, expiresAt <= now { return .expired }
        return .valid(locationId: record.locationId)
    }

    /// Makes the location's current OAuth access tokens expire now. PITs are left alone: they only
    /// stop working when rotated in the HighLevel UI, which the sandbox does not model.
    mutating func expireAccessTokens(locationId: String, now: ContinuousClock.Instant) -> Int {
        var count = 0
        for (token, record) in accessTokens where record.locationId == locationId {
            guard let expiresAt = record.expiresAt, expiresAt > now else { continue }
            accessTokens[token]?.expiresAt = now
            count += 1
        }
        return count
    }
}
