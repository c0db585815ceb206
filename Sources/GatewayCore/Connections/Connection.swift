import Foundation

/// A HighLevel location the gateway holds credentials for. Tokens are plaintext here, in memory only; every store
/// seals them with `TokenCipher` before they touch disk.
public struct Connection: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Authorization code grant: a rotating, single-use refresh token.
        case oauth
        /// A private integration token: static, no refresh.
        case privateToken = "private_token"
    }

    public enum Status: String, Sendable, Codable {
        case active
        /// HighLevel refused the refresh token for good; a human must authorize again.
        case needsAuthorization = "needs_authorization"
    }

    public var locationId: String
    public var kind: Kind
    public var accessToken: String
    public var refreshToken: String?
    public var accessTokenIssuedAt: Date?
    public var accessTokenExpiresAt: Date?
    public var scope: String?
    public var companyId: String?
    public var userId: String?
    public var status: Status
    public var statusDetail: String?
    /// Bumped by every change of tokens; stores compare-and-swap on it so two writers never silently overwrite.
    public var generation: Int64
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        locationId: String, kind: Kind, accessToken: String, refreshToken: String? = nil,
        accessTokenIssuedAt: Date? = nil, accessTokenExpiresAt: Date? = nil, scope: String? = nil,
        companyId: String? = nil, userId: String? = nil, status: Status = .active, statusDetail: String? = nil,
        generation: Int64 = 1, createdAt: Date, updatedAt: Date
    ) {
        self.locationId = locationId
        self.kind = kind
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.accessTokenIssuedAt = accessTokenIssuedAt
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.scope = scope
        self.companyId = companyId
        self.userId = userId
        self.status = status
        self.statusDetail = statusDetail
        self.generation = generation
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// This connection with a freshly granted token pair.
    public func refreshed(with grant: TokenGrant, at now: Date) -> Connection {
        var next = self
        next.accessToken = grant.accessToken
        // HighLevel always rotates; if an answer ever lacks a new refresh token, the old one is the best we have.
        next.refreshToken = grant.refreshToken ?? refreshToken
        next.accessTokenIssuedAt = now
        next.accessTokenExpiresAt = now.addingTimeInterval(TimeInterval(grant.expiresInSeconds))
        next.scope = grant.scope ?? scope
        next.status = .active
        next.statusDetail = nil
        next.generation = generation + 1
        next.updatedAt = now
        return next
    }
}
