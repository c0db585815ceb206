import Foundation

/// Asks HighLevel whether a private integration token works for a location before the gateway stores it, with the
/// cheapest call that needs only `contacts.readonly`: one contact of that location (`GET /contacts/?limit=1`).
///
/// Without it a mistyped token or location is printed as connected, and the first caller finds out.
public struct PrivateTokenCheck: Sendable {
    private let client: any UpstreamClient
    /// HighLevel's API, without a trailing slash.
    private let base: String
    private let timeout: Duration

    public init(client: any UpstreamClient, upstreamURL: URL, timeout: Duration = .seconds(15)) {
        self.client = client
        var base = upstreamURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        self.timeout = timeout
    }

    /// Returns when HighLevel answers 2xx; otherwise a 400 that says what HighLevel said (the token or the
    /// location is wrong), or a 502 when HighLevel could not be reached (where `--no-verify` is the way out).
    public func verify(locationId: String, token: String) async throws {
        let request = UpstreamRequest(
            method: "GET", url: "\(base)/contacts/?locationId=\(locationId)&limit=1",
            headers: [("Authorization", "Bearer \(token)"), ("Version", "2021-07-28"), ("Accept", "application/json")],
            timeout: timeout)
        let response: UpstreamResponse
        do {
            response = try await client.send(request)
        } catch let error as UpstreamError {
            throw GatewayError.upstreamUnreachable(
                "HighLevel could not be reached to check the token (\(error.kind.rawValue)); nothing was stored. "
                    + "Where HighLevel cannot be reached from here, skip the check with --no-verify (API: \"verify\": false).")
        }
        switch response.status {
        case 200..<300: return
        case 401:
            throw GatewayError.badRequest(
                "HighLevel refused the token (401): it is not a valid private integration token; nothing was stored.")
        case 403:
            throw GatewayError.badRequest(
                "HighLevel refused the token for location '\(locationId)' (403): the token belongs to another "
                    + "location or lacks the scope contacts.readonly; nothing was stored.")
        case 400, 404, 422:
            throw GatewayError.badRequest(
                "HighLevel does not accept location '\(locationId)' with this token (\(response.status)); nothing was stored.")
        default:
            throw GatewayError.upstreamUnreachable(
                "HighLevel answered \(response.status) while the token was checked; nothing was stored. Try again, "
                    + "or skip the check with --no-verify.")
        }
    }
}
