/// A successful answer of HighLevel's token endpoint (`GetAccessCodeSuccessfulResponseDto`).
public struct TokenGrant: Sendable, Equatable, Decodable {
    public var accessToken: String
    public var refreshToken: String?
    public var expiresInSeconds: Int
    public var scope: String?
    public var locationId: String?
    public var companyId: String?
    public var userId: String?
    public var userType: String?

    public init(
        accessToken: String, refreshToken: String?, expiresInSeconds: Int, scope: String? = nil,
        locationId: String? = nil, companyId: String? = nil, userId: String? = nil, userType: String? = nil
    ) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresInSeconds = expiresInSeconds
        self.scope = scope
        self.locationId = locationId
        self.companyId = companyId
        self.userId = userId
        self.userType = userType
    }

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
        case expiresInSeconds = "expires_in"
        case scope, locationId, companyId, userId, userType
    }
}
