import GatewayCore
import HTTPTypes
import Hummingbird
import NIOCore

/// Which headers cross the gateway. Upstream gets an allow-list, so the caller's credentials, cookies, hop-by-hop
/// and proxy headers never reach HighLevel; the caller gets HighLevel's status, body and content type.
enum ForwardedHeaders {
    /// Caller headers that mean the same to HighLevel as to the gateway.
    static let passedUpstream: [HTTPField.Name] = [.accept, .acceptLanguage]

    static func upstream(from headers: HTTPFields, token: String, version: String, hasBody: Bool)
        -> [(name: String, value: String)]
    {
        var result: [(name: String, value: String)] = [
            ("Authorization", "Bearer \(token)"),
            ("Version", version),
        ]
        for name in passedUpstream {
            if let value = headers[name] { result.append((name.rawName, value)) }
        }
        if result.first(where: { $0.name == "Accept" }) == nil { result.append(("Accept", "application/json")) }
        if hasBody { result.append(("Content-Type", headers[.contentType] ?? "application/json")) }
        return result
    }

    static func response(from upstream: UpstreamResponse) -> Response {
        var headers = HTTPFields()
        if let contentType = upstream.header("Content-Type") { headers[.contentType] = contentType }
        return Response(
            status: .init(code: upstream.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: upstream.body)))
    }
}
