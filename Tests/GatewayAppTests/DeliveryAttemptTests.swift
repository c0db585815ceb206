import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A delivery attempt against a real receiver over a real socket, through libcurl as the gateway sends it.
@Suite struct DeliveryAttemptTests {
    /// What the receiver saw.
    final class Seen: Sendable {
        let requests = Mutex<[(path: String, headers: [String: String], body: [UInt8])]>([])
        let redirectTargetHits = Atomic<Int>(0)
    }

    /// A receiver on `port` (0: a free one) that answers by the first path segment: `ok`, `fail`, `busy`, `gone`,
    /// `moved`, `slow`.
    func withReceiver(port: Int = 0, _ body: (Int, Seen) async throws -> Void) async throws {
        let seen = Seen()
        let router = Router()
        router.post("/{outcome}") { request, context -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let outcome = context.parameters.get("outcome") ?? ""
            seen.requests.withLock { $0.append((outcome, headers, Array(buffer: bytes))) }
            switch outcome {
            case "ok": return Response(status: .noContent)
            case "fail": return Response(status: .internalServerError)
            case "busy": return Response(status: .tooManyRequests, headers: [.retryAfter: "7"])
            case "gone": return Response(status: .gone)
            case "moved": return Response(status: .found, headers: [.location: "/target"])
            case "target":
                seen.redirectTargetHits.add(1, ordering: .relaxed)
                return Response(status: .ok)
            case "slow":
                try await Task.sleep(for: .seconds(3))
                return Response(status: .ok)
            default: return Response(status: .notFound)
            }
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        defer { task.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await body(port, seen)
    }

    private func attempt(_ url: String, timeout: Duration = .seconds(20)) throws -> (DeliveryAttempt, StandardWebhookSigner) {
        let signer = try StandardWebhookSigner(secret: StandardWebhookSigner.newSecret())
        let body = Array(#"{"id":"dlv_1","type":"ContactUpdate"}"#.utf8)
        return (DeliveryAttempt(deliveryId: "dlv_1", url: try SubscriptionURL(url), body: body, signer: signer, timeout: timeout), signer)
    }

    @Test func aSignedPostThatTheReceiverCanVerify() async throws {
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        try await withReceiver { port, seen in
            let (attempt, signer) = try attempt("http://127.0.0.1:\(port)/ok")
            let now = Date(timeIntervalSince1970: 1_764_651_600)
            let outcome = await attempt.send(through: CurlUpstreamClient(client: client), at: now)
            #expect(outcome == .answered(status: 204, retryAfter: nil))
            let request = try #require(seen.requests.withLock { $0.first })
            #expect(request.headers["webhook-id"] == "dlv_1")
            #expect(request.headers["webhook-timestamp"] == "1764651600")
            #expect(request.headers["content-type"] == "application/json")
            let signature = try #require(request.headers["webhook-signature"])
            #expect(signer.verifies(signature, id: "dlv_1", timestamp: 1_764_651_600, body: request.body))
            #expect(request.body == attempt.body)
        }
    }

    @Test func failuresAreSortedAndRedirectsNotFollowed() async throws {
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let upstream = CurlUpstreamClient(client: client)
        try await withReceiver { port, seen in
            let base = "http://127.0.0.1:\(port)"
            #expect(await (try attempt("\(base)/fail")).0.send(through: upstream, at: Date()) == .answered(status: 500, retryAfter: nil))
            #expect(await (try attempt("\(base)/busy")).0.send(through: upstream, at: Date()) == .answered(status: 429, retryAfter: .seconds(7)))
            #expect(await (try attempt("\(base)/gone")).0.send(through: upstream, at: Date()) == .answered(status: 410, retryAfter: nil))
            #expect(await (try attempt("\(base)/moved")).0.send(through: upstream, at: Date()) == .answered(status: 302, retryAfter: nil))
            #expect(seen.redirectTargetHits.load(ordering: .relaxed) == 0, "a redirect was followed")
            let slow = await (try attempt("\(base)/slow", timeout: .milliseconds(300))).0.send(through: upstream, at: Date())
            #expect(slow == .noAnswer("no answer within 300ms"))
        }
        // A closed port: no answer, with curl's reason.
        let refused = await (try attempt("http://127.0.0.1:9/ok")).0.send(through: upstream, at: Date())
        guard case .noAnswer(let reason) = refused else {
            Issue.record("expected no answer, got \(refused)")
            return
        }
        #expect(!reason.isEmpty)
    }

    @Test func onlyHttpAndHttpsURLsWithAHostAndNoCredentials() {
        for good in ["http://127.0.0.1:8080/hook", "https://tools.example.com/hooks/highlevel?team=a"] {
            #expect((try? SubscriptionURL(good)) != nil, "\(good)")
        }
        let bad: [(String, String)] = [
            ("ftp://example.com/x", "only http and https URLs take deliveries, not ftp"),
            ("file:///etc/passwd", "only http and https URLs take deliveries, not file"),
            ("/relative", "\"/relative\" is not an absolute URL"),
            ("https://user:pw@example.com/", "the URL holds credentials; the delivery's signature is the credential"),
            ("https://example.com/#frag", "the URL has a fragment"),
            ("https://exa mple.com/", "the URL holds spaces or control characters"),
            ("https:///nohost", "the URL has no host"),
        ]
        for (text, problem) in bad {
            #expect(throws: SubscriptionURL.Refused(problem), "\(text)") { try SubscriptionURL(text) }
        }
    }
}
