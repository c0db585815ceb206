import Foundation

/// The token endpoint over an `UpstreamClient`: form-encoded, `user_type=Location`, answers sorted into
/// `TokenEndpointError` by what they mean for the refresh token.
public struct OAuthTokenEndpoint: TokenEndpoint {
    private let settings: OAuthSettings
    private let client: any UpstreamClient
    private let timeout: Duration

    public init(settings: OAuthSettings, client: any UpstreamClient, timeout: Duration = .seconds(15)) {
        self.settings = settings
        self.client = client
        self.timeout = timeout
    }

    public func exchange(code: String) async throws(TokenEndpointError) -> TokenGrant {
        try await post([
            ("grant_type", "authorization_code"), ("code", code), ("user_type", "Location"),
            ("redirect_uri", settings.redirectURL),
        ])
    }

    public func refresh(refreshToken: String) async throws(TokenEndpointError) -> TokenGrant {
        try await post([
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("user_type", "Location"),
            ("redirect_uri", settings.redirectURL),
        ])
    }

    private func post(_ fields: [(String, String)]) async throws(TokenEndpointError) -> TokenGrant {
        guard let clientId = settings.clientId, let clientSecret = settings.clientSecret,
            !clientId.isEmpty, !clientSecret.isEmpty
        else {
            throw .rejected(status: 0, message: "no OAuth client configured: set GATEWAY_CLIENT_ID and GATEWAY_CLIENT_SECRET")
        }
        let form = ([("client_id", clientId), ("client_secret", clientSecret)] + fields)
            .map { "\($0)=\(PercentEncoding.encode($1))" }.joined(separator: "&")
        let request = UpstreamRequest(
            method: "POST", url: settings.tokenURL,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(form.utf8), timeout: timeout, freshConnection: true)
        let response: UpstreamResponse
        do {
            response = try await client.send(request)
        } catch {
            throw .transient("token endpoint unreachable: \(error)")
        }
        return try Self.interpret(response)
    }

    /// Sorts an answer. HighLevel sends every token error as 400 and tells them apart only by `message`.
    static func interpret(_ response: UpstreamResponse) throws(TokenEndpointError) -> TokenGrant {
        switch response.status {
        case 200..<300:
            guard let grant = try? JSONDecoder().decode(TokenGrant.self, from: Data(response.body)),
                !grant.accessToken.isEmpty
            else {
                throw .transient("token endpoint answered \(response.status) without a usable token")
            }
            return grant
        case 429, 500...599:
            throw .transient("token endpoint answered \(response.status)")
        default:
            let message = Self.message(in: response.body)
            let lowered = message.lowercased()
            if lowered.contains("invalid grant") || lowered.contains("invalid_grant") {
                throw .invalidGrant(message)
            }
            if lowered.contains("not active") {
                throw .locationNotActive(message)
            }
            throw .rejected(status: response.status, message: message)
        }
    }

    /// HighLevel's `message` is a string or (422) an array of strings.
    private static func message(in body: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return "unreadable error body"
        }
        if let text = object["message"] as? String { return text }
        if let list = object["message"] as? [String] { return list.joined(separator: "; ") }
        if let text = object["error_description"] as? String ?? object["error"] as? String { return text }
        return "no message"
    }
}
