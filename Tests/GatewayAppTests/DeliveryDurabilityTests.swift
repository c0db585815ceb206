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

        // The receiver is down in the first life, so only the second can deliver. Its port is held meanwhile (bound,
        // not listening: connections are refused), so that no other test's server can take it and answer the first
        // life's attempt.
        let receiverPort = try FirstHour.ServeStartTests.freePort()
        let placeholder = try Self.hold(port: receiverPort)
        let created = try await CLI.run(
            ["subscriptions", "create", "--url", "http://127.0.0.1:\(receiverPort)/ok", "--events", "*"], database: database)
        #expect(created.status == 0, "\(created.stderr)")
        let subscription = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let secret = try #require(subscription["secret"] as? String)

        let publicKey = WebhookIntakeTests.signing.publicKey.rawRepresentation.base64EncodedString()
        let arguments = [
            "serve", "--listen", "127.0.0.1:0", "--database", database, "--webhook-public-key", publicKey,
            "--delivery-timeout", "10s",
        ]
        // The first life retries an hour on: however slowly this test gets to the kill (a loaded CI machine once took
        // 9 s to see the answer), it cannot use up the delivery's attempts at the receiver that is down. The second
        // retries each second, so that an attempt lost to a loaded machine is made again within the wait below.
        let firstLife = arguments + ["--delivery-schedule", "1h,1h,1h,1h,1h,1h,1h,1h"]
        let secondLife = arguments + ["--delivery-schedule", "1s,1s,1s,1s,1s,1s,1s,1s"]
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let first = try await ServerProcess.start(arguments: firstLife, environment: [:])
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
        if listed.count != 1 {
            let all = try await CLI.run(["deliveries", "list", "--output", "json"], database: database)
            Issue.record("pending: \(pending.stdout); all deliveries: \(all.stdout)")
        }
        let deliveryId = try #require(listed.first?["id"] as? String)
        // The first process may have made an attempt (at the receiver that is down) before the kill landed: its claim
        // would hold the second process off for its lease (the delivery timeout and 30 s), and its retry is an hour
        // away. Leases running out and retries coming due are the dispatcher's concern (DeliveryDispatchTests); here
        // both are ended at once.
        let file = String(database.dropFirst("sqlite:".count))
        try await blocking {
            _ = try Executable.run(
                ["-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute('UPDATE webhook_deliveries SET lease_until = NULL, next_attempt_at = 0')\nc.commit()", file],
                python: true)
        }

        close(placeholder)
        try await DeliveryAttemptTests().withReceiver(port: receiverPort) { _, seen in
            let second = try await ServerProcess.start(arguments: secondLife, environment: [:])
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
            // The outcome is recorded after the receiver answered: wait for it before the second process stops.
            let listing = Mutex("")
            try await DeliveryDispatchTests().waitFor("the delivery is recorded as delivered", within: 30) {
                let all = try await CLI.run(["deliveries", "list", "--output", "json"], database: database)
                listing.withLock { $0 = all.stdout + all.stderr }
                let deliveries = try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]]
                return deliveries?.contains { $0["id"] as? String == deliveryId && $0["status"] as? String == "delivered" }
                    ?? false
            }
            let last = listing.withLock { $0 }
            #expect(last.contains("\"delivered\""), "the deliveries as last listed: \(last)")
        }
    }

    /// A socket bound to `port` on 127.0.0.1 and not listening: the port is taken, and connections to it are refused.
    static func hold(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0, "port \(port) could not be held")
        return fd
    }
}
