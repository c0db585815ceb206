import ChildProcess
import CurlHTTP
import Foundation
import GatewayCore
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension FirstHour {
    /// Issue 16, the sandbox's part: `serve --sandbox` wires both ends of the webhooks, so the README's trial works
    /// offline. A change through the gateway reaches the sandbox, whose event (signed with its own key, which the
    /// gateway trusts) comes back to the gateway and goes out to a subscription's receiver.
    @Suite(.serialized) struct SandboxWebhookFlowTests {
        /// What a receiver got: every POST's headers (by lowercased name) and raw body.
        final class Received: Sendable {
            let list = Mutex<[(headers: [String: String], body: [UInt8])]>([])
            func withLock<R>(_ body: (inout [(headers: [String: String], body: [UInt8])]) -> R) -> R {
                list.withLock { body(&$0) }
            }
        }

        /// A real receiver on a loopback port, recording every POST to `/`.
        static func withReceiver(_ body: (Int, Received) async throws -> Void) async throws {
            let seen = Received()
            let router = Router()
            router.post("/") { request, _ -> Response in
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let bytes = try await request.body.collect(upTo: 1 << 20)
                seen.withLock { $0.append((headers, Array(buffer: bytes))) }
                return Response(status: .noContent)
            }
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            var logger = Logger(label: "receiver")
            logger.logLevel = .critical
            let app = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
            let task = Task { try await group.run() }
            defer { task.cancel() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port, seen)
        }

        @Test func aContactCreatedThroughTheGatewayReachesASubscriber() async throws {
            let directory = try ServeStartTests.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let database = "sqlite:" + directory.appendingPathComponent("g.sqlite").path
            let port = try ServeStartTests.freePort()
            let (child, seen) = try await ServeStartTests.startServing(
                ["serve", "--sandbox", "--listen", "127.0.0.1:\(port)", "--database", database])
            defer { child.signal(SIGTERM) }
            #expect(seen.contains("sends HighLevel's webhook events for the changes made through it to "
                + "http://127.0.0.1:\(port)/webhooks/highlevel"), "\(seen)")
            let adminKey = try #require(seen.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("cgw_") }.map(String.init))

            try await Self.withReceiver { receiverPort, received in
                // The README's step: a subscription to every event, then a contact made through the gateway.
                let subscription = try await CLI.json(
                    ["subscriptions", "create", "--url", "http://127.0.0.1:\(receiverPort)/", "--events", "*"],
                    database: database)
                let secret = try #require(subscription["secret"] as? String)
                let client = try CurlHTTPClient()
                defer { client.shutdown() }
                let created = try await client.execute(CurlRequest(
                    method: "POST", url: "http://127.0.0.1:\(port)/contacts/",
                    headers: [("Authorization", "Bearer \(adminKey)"), ("Content-Type", "application/json")],
                    body: Array(#"{"locationId":"loc-sandbox","firstName":"Ada","email":"ada@example.com"}"#.utf8)))
                #expect(created.status == 201, "\(created.text)")
                let contact = try #require(
                    (try JSONSerialization.jsonObject(with: Data(created.body)) as? [String: Any])?["contact"] as? [String: Any])
                let contactId = try #require(contact["id"] as? String)

                let deadline = ContinuousClock.now + .seconds(20)
                while received.withLock({ $0.isEmpty }), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let delivery = try #require(received.withLock { $0.first }, "no delivery arrived")
                let id = try #require(delivery.headers["webhook-id"])
                let timestamp = try #require(delivery.headers["webhook-timestamp"].flatMap { Int64($0) })
                let signature = try #require(delivery.headers["webhook-signature"])
                #expect(try StandardWebhookSigner(secret: secret).verifies(signature, id: id, timestamp: timestamp, body: delivery.body))
                let body = try #require(try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any])
                #expect(body["type"] as? String == "ContactCreate", "\(body)")
                #expect(body["locationId"] as? String == "loc-sandbox")
                let event = try #require(body["event"] as? [String: Any])
                #expect(event["id"] as? String == contactId)
                #expect(event["firstName"] as? String == "Ada")
            }
            #expect(await ServeStartTests.stop(child) == .exited(0))
        }

        /// With a key of the user's own, the gateway would refuse the sandbox's events: it sends none, and says so by
        /// not printing where they go; the key set is the one the gateway uses.
        @Test func aWebhookKeySetByTheUserIsKept() async throws {
            let directory = try ServeStartTests.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let database = "sqlite:" + directory.appendingPathComponent("g.sqlite").path
            // HighLevel's published Ed25519 key (highlevel-api.md §6.3), as base64 of its raw 32 bytes.
            let key = "i2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg="
            let (child, seen) = try await ServeStartTests.startServing(
                ["serve", "--sandbox", "--listen", "127.0.0.1:0", "--database", database],
                environment: ["GATEWAY_WEBHOOK_PUBLIC_KEY": key])
            defer { child.signal(SIGTERM) }
            #expect(seen.contains("listening on"), "\(seen)")
            #expect(!seen.contains("webhook events"), "\(seen)")
            #expect(await ServeStartTests.stop(child) == .exited(0))
        }

        @Test func theSandboxCommandTakesAWebhookURL() async throws {
            let bad = try await blocking { try Executable.run(["sandbox", "--webhook-url", "ftp://example.com/x"]) }
            CLI.expectFailure(bad, containing: "--webhook-url 'ftp://example.com/x' must be an http or https URL")
            let (child, seen) = try await ServeStartTests.startServing(
                ["sandbox", "--listen", "127.0.0.1:0", "--webhook-url", "http://127.0.0.1:9/hook"])
            defer { child.signal(SIGTERM) }
            let line = try #require(seen.split(separator: "\n").first { $0.hasPrefix("Webhook events go to http://127.0.0.1:9/hook") })
            let publicKey = try #require(line.split(separator: " ").last.map(String.init))
            #expect(Data(base64Encoded: publicKey)?.count == 32, "\(line)")
            #expect(seen.contains("HighLevel sandbox listening on"), "\(seen)")
            #expect(await ServeStartTests.stop(child) == .exited(0))
        }
    }
}
