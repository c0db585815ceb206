/// HighLevel's `POST /oauth/token`.
public protocol TokenEndpoint: Sendable {
    func exchange(code: String) async throws(TokenEndpointError) -> TokenGrant
    func refresh(refreshToken: String) async throws(TokenEndpointError) -> TokenGrant
}
