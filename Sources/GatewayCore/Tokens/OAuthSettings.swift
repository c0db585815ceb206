/// The Marketplace app the gateway acts as.
public struct OAuthSettings: Sendable {
    public var clientId: String?
    public var clientSecret: String?
    public var authorizeURL: String
    public var tokenURL: String
    public var redirectURL: String
    public var scopes: String

    public init(
        clientId: String?, clientSecret: String?, authorizeURL: String, tokenURL: String, redirectURL: String,
        scopes: String
    ) {
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.redirectURL = redirectURL
        self.scopes = scopes
    }

    /// The address an admin opens to connect a location (HighLevel's `chooselocation`).
    public func authorizeAddress(state: String) -> String {
        let query: [(String, String)] = [
            ("response_type", "code"), ("client_id", clientId ?? ""), ("redirect_uri", redirectURL),
            ("scope", scopes), ("state", state),
        ]
        let separator = authorizeURL.contains("?") ? "&" : "?"
        return authorizeURL + separator
            + query.map { "\($0)=\(PercentEncoding.encode($1))" }.joined(separator: "&")
    }
}
