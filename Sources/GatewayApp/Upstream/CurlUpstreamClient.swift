import CurlHTTP
import GatewayCore

/// The production `UpstreamClient`: libcurl through `CurlHTTP`, its errors sorted into the gateway's terms.
public struct CurlUpstreamClient: UpstreamClient {
    private let client: CurlHTTPClient

    public init(client: CurlHTTPClient) { self.client = client }

    public func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        let curlRequest = CurlRequest(
            method: request.method, url: request.url, headers: request.headers, body: request.body,
            timeout: request.timeout, connectTimeout: min(request.timeout, .seconds(10)),
            freshConnection: request.freshConnection)
        do {
            let response = try await client.execute(curlRequest)
            return UpstreamResponse(status: response.status, headers: response.headers, body: response.body)
        } catch let error as CurlError {
            throw UpstreamError(
                kind: Self.kind(of: error), requestMayHaveReachedServer: error.requestMayHaveReachedServer,
                message: error.description)
        }
    }

    private static func kind(of error: CurlError) -> UpstreamError.Kind {
        switch error.kind {
        case CurlError.timeout.kind: .timeout
        case CurlError.responseTooLarge.kind: .responseTooLarge
        case CurlError.connectionLost.kind: .connectionLost
        case CurlError.invalidURL.kind, CurlError.unsupportedProtocol.kind, CurlError.invalidRequest.kind: .invalidRequest
        default: .unreachable
        }
    }
}
