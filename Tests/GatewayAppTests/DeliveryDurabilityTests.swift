import ChildProcess
import Crypto
import CurlHTTP
import Foundation
import GatewayCore
import Synchronization
import Testing

/// An event taken is delivered even when the gateway is killed (SIGKILL, no shutdown of any kind) right after it
/// answered HighLevel's 200: the event and its delivery were committed before the answer, and the next process
/// sends it.
@Suite(.serialized) struct DeliveryDurabilityTests {
    @Test func anEventTakenIsDeliveredByTheNextProcessAfterSIGKILL() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:" + directory.appendingPathComponent("g.sqlite").path
        try await blocking { try ProcessTests.makeDatabase(database) }

        // The receiver is down in the first life, so only the second can deliver.
        let receiverPort = try FirstHour.ServeStartTests.freePort()
        let created = try await CLI.run(
            ["subscriptions", "create", "--url", "http://127.0.0.1:\(receiverPort)/ok", "--events", "*"], database: database)
        #expect(created.status == 0, "\(created.stderr)")
        let subscription = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let secret = try #require(subscription["secret"] as? String)

        let publicKey = WebhookIntakeTests.signing.publicKey.rawRepresentation.base64EncodedString()
        let arguments = [
            "serve", "--listen", "127.0.0.1:0", "--database", database, "--webhook-public-key", publicKey,
            "--delivery-schedule", "1s,1s,1s,1s,1s,1s,1s,1s", "--delivery-timeout", "2s",
        ]
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let first = try await ServerProcess.start(arguments: arguments, environment: [:])
        let event = WebhookIntakeTests.event("wh-killed")
        let taken = try await client.execute(
            CurlRequest(
                method: "POST", url: "http://127.0.0.1:\(first.port)/webhooks/highlevel",
                headers: [("Content-Type", "application/json"), ("X-GHL-Signature", try WebhookIntakeTests.signature(event))],
                body: event))
        first.child.signal(SIGKILL)
        #expect(taken.status == 200, "\(String(decoding: taken.body, as: UTF8.self))")
        #expect(try await blocking { first.waitUntilExit() } == .signalled(SIGKILL))

        let pending = try await CLI.run(["deliveries", "list", "--status", "pending", "--output", "json"], database: database)
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(pending.stdout.utf8)) as? [[String: Any]], "\(pending.stderr)")
        #expect(listed.count == 1, "\(pending.stdout)")
        let deliveryId = try #require(listed.first?["id"] as? String)

        try await DeliveryAttemptTests().withReceiver(port: receiverPort) { _, seen in
            let second = try await ServerProcess.start(arguments: arguments, environment: [:])
            defer { second.stop() }
            try await DeliveryDispatchTests().waitFor("the second process delivered the event", within: 30) {
                seen.requests.withLock { !$0.isEmpty }
            }
            let received = try #require(seen.requests.withLock { $0.first })
            #expect(received.headers["webhook-id"] == deliveryId)
            let timestamp = try #require(received.headers["webhook-timestamp"].flatMap { Int64($0) })
            let signature = try #require(received.headers["webhook-signature"])
            #expect(try StandardWebhookSigner(secret: secret).verifies(signature, id: deliveryId, timestamp: timestamp, body: received.body))
            #expect(String(decoding: received.body, as: UTF8.self).contains(String(decoding: event, as: UTF8.self)))
        }
        let delivered = try await CLI.run(["deliveries", "list", "--status", "delivered", "--output", "json"], database: database)
        #expect(delivered.stdout.contains(deliveryId), "\(delivered.stdout) \(delivered.stderr)")
    }
}
