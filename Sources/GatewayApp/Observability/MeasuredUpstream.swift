import Foundation
import GatewayCore

/// Every HTTP exchange with HighLevel, timed and counted: `call` is `token` for the token endpoint, else `api`.
struct MeasuredUpstreamClient: UpstreamClient {
    let base: any UpstreamClient
    /// The configured token endpoint: a call to it is counted as `token`.
    let tokenURL: String

    func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        let call = request.url == tokenURL ? "token" : "api"
        let started = ContinuousClock.now
        do {
            let response = try await base.send(request)
            GatewayMetrics.upstream(call: call, status: String(response.status), duration: ContinuousClock.now - started)
            return response
        } catch {
            GatewayMetrics.upstream(call: call, status: "error", duration: ContinuousClock.now - started)
            throw error
        }
    }
}

/// Token refreshes and their failures, counted.
struct MeasuredTokenEndpoint: TokenEndpoint {
    let base: any TokenEndpoint

    func exchange(code: String) async throws(TokenEndpointError) -> TokenGrant {
        try await base.exchange(code: code)
    }

    func refresh(refreshToken: String) async throws(TokenEndpointError) -> TokenGrant {
        do {
            let grant = try await base.refresh(refreshToken: refreshToken)
            GatewayMetrics.tokenRefresh(failure: nil)
            return grant
        } catch {
            GatewayMetrics.tokenRefresh(failure: Self.reason(error))
            throw error
        }
    }

    /// The kind only: never anything the endpoint said, which could echo a token.
    private static func reason(_ error: TokenEndpointError) -> String {
        switch error {
        case .invalidGrant: "invalid_grant"
        case .locationNotActive: "location_not_active"
        case .rejected: "rejected"
        case .transient: "transient"
        }
    }
}
