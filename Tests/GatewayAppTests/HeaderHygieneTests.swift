import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// What crosses the gateway, checked against an upstream that echoes what it received.
@Suite struct HeaderHygieneTests {
    @Test func callerCredentialsCookiesAndHopByHopHeadersStayBehind() async throws {
        let router = Router()
        router.on("/contacts/{id}", method: .get) { request, _ -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let body: [String: Any] = ["headers": headers, "path": request.uri.path, "query": request.uri.query ?? ""]
            let data = try JSONSerialization.data(withJSONObject: body)
            return Response(
                status: .ok, headers: [.contentType: "application/json", .setCookie: "upstream=1"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "echo")
        logger.logLevel = .critical
        let echo = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [echo], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        defer { task.cancel() }

        try await withGateway(.init(connect: false, upstreamURL: "http://127.0.0.1:\(port)")) { gw in
            _ = try await gw.gateway.connections.addPrivateToken(locationId: "loc-echo", token: "pit-secret-token", verify: false, by: .operator)
            let response = try await gw.call(
                "GET", "/contacts/c-1?locationId=loc-echo&q=a+b%2Bc",
                headers: [
                    ("Cookie", "session=caller"), ("X-API-Key", "cgw_other"), ("Proxy-Authorization", "Basic eA=="),
                    ("Connection", "keep-alive, X-Secret"), ("X-Secret", "hop"), ("X-Forwarded-For", "10.0.0.1"),
                    ("Accept-Language", "de"), ("TE", "trailers"), ("Upgrade", "h2c"),
                ])
            #expect(response.status == 200)
            #expect(response.header("Set-Cookie") == nil)
            let echoed = try response.json()
            let headers = try #require(echoed["headers"] as? [String: String])
            let lowered = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
            #expect(lowered["authorization"] == "Bearer pit-secret-token")
            #expect(lowered["version"] == "2021-07-28")
            #expect(lowered["accept-language"] == "de")
            for dropped in ["cookie", "x-api-key", "proxy-authorization", "x-secret", "x-forwarded-for", "te", "upgrade"] {
                #expect(lowered[dropped] == nil, "\(dropped) reached the upstream")
            }
            #expect(!headers.values.contains { $0.contains(gw.editorKey) })
            #expect(echoed["path"] as? String == "/contacts/c-1")
            #expect(echoed["query"] as? String == "locationId=loc-echo&q=a+b%2Bc")
        }
        await group.triggerGracefulShutdown()
    }
}
