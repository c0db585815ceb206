import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import Synchronization
import Testing

/// Events taken by a running gateway reach real receivers: signed, retried on the schedule, given up, or ending a
/// subscription on 410; every attempt in the audit trail.
@Suite struct DeliveryDispatchTests {
    func waitFor(_ what: String, within seconds: Double = 15, _ check: () async throws -> Bool) async throws {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("not within \(seconds) s: \(what)")
    }

    @Test func deliveriesAreSignedSentRetriedAndGivenUp() async throws {
        try await DeliveryAttemptTests().withReceiver { port, seen in
            var options = WebhookIntakeTests.options
            options.deliverySchedule = DeliverySchedule(waits: [.milliseconds(500)])
            options.deliveryTimeout = .seconds(2)
            try await withGateway(options) { gw in
                let admin = gw.gateway.webhookAdministration
                let ok = try await admin.create(
                    url: "http://127.0.0.1:\(port)/ok", events: ["ContactCreate"], locations: [], enrich: false, by: .operator)
                let failing = try await admin.create(
                    url: "http://127.0.0.1:\(port)/fail", events: ["*"], locations: [], enrich: false, by: .operator)
                let gone = try await admin.create(
                    url: "http://127.0.0.1:\(port)/gone", events: ["*"], locations: [], enrich: false, by: .operator)
                let down = try await admin.create(
                    url: "http://127.0.0.1:9/nobody", events: ["*"], locations: [], enrich: false, by: .operator)
                let body = WebhookIntakeTests.event("wh-dispatch")
                let taken = try await gw.client.execute(
                    CurlRequest(
                        method: "POST", url: gw.url + "/webhooks/highlevel",
                        headers: [("Content-Type", "application/json"), ("X-GHL-Signature", try WebhookIntakeTests.signature(body))],
                        body: body))
                #expect(taken.status == 200, "\(taken.text)")
                let webhooks = gw.gateway.repositories.webhooks
                try await waitFor("every delivery settled") {
                    try await webhooks.outboxDepth().pending == 0
                }
                let deliveries = try await webhooks.deliveries(subscriptionId: nil, status: nil, limit: 10)
                let bySubscription = Dictionary(uniqueKeysWithValues: deliveries.map { ($0.subscriptionId, $0) })

                let delivered = try #require(bySubscription[ok.id])
                #expect(delivered.progress.status == .delivered && delivered.progress.attempts == 1)
                let received = try #require(seen.requests.withLock { $0.first { $0.path == "ok" } })
                #expect(received.headers["webhook-id"] == delivered.id)
                let timestamp = try #require(received.headers["webhook-timestamp"].flatMap { Int64($0) })
                let signer = try StandardWebhookSigner(secret: ok.secret)
                #expect(signer.verifies(try #require(received.headers["webhook-signature"]), id: delivered.id, timestamp: timestamp, body: received.body))
                let json = try #require(try JSONSerialization.jsonObject(with: Data(received.body)) as? [String: Any])
                #expect(json["id"] as? String == delivered.id && json["type"] as? String == "ContactCreate")
                #expect(json["source"] as? String == "webhook" && json["locationId"] as? String == "loc-sandbox")
                #expect((json["event"] as? [String: Any])?["webhookId"] as? String == "wh-dispatch")
                #expect(String(decoding: received.body, as: UTF8.self).contains(String(decoding: body, as: UTF8.self)),
                        "the event is embedded byte for byte")

                let failed = try #require(bySubscription[failing.id])
                #expect(failed.progress.status == .dead && failed.progress.attempts == 2 && failed.progress.lastStatus == 500)
                #expect(seen.requests.withLock { $0.filter { $0.path == "fail" }.count } == 2)

                let ended = try #require(bySubscription[gone.id])
                #expect(ended.progress.status == .dead && ended.progress.lastStatus == 410)
                #expect(try await webhooks.subscription(id: gone.id)?.isEnabled == false)

                let unreachable = try #require(bySubscription[down.id])
                #expect(unreachable.progress.status == .dead && unreachable.progress.lastStatus == nil)
                #expect(unreachable.progress.lastError != nil)

                // Each attempt is in the trail: 1 + 2 + 1 + 2.
                await gw.gateway.audit.flush()
                let attempts = try await gw.store.auditRecords(
                    matching: AuditQuery(route: DeliveryDispatcher.auditRoute), ascending: true, limit: 100)
                #expect(attempts.count == 6)
                #expect(attempts.filter { $0.resourceId == delivered.id }.map(\.status) == [204])
                #expect(attempts.filter { $0.resourceId == failed.id }.map(\.upstreamStatus) == [500, 500])

                // A dead delivery sent again by an admin goes out at once (and fails again here).
                _ = try await admin.retry(deliveryId: failed.id, by: .operator)
                try await waitFor("the retried delivery is dead again") {
                    try await webhooks.delivery(id: failed.id)?.progress.status == .dead
                }
                #expect(seen.requests.withLock { $0.filter { $0.path == "fail" }.count } == 4)

                // Counted by outcome, and the outbox's gauges set (one registry per process: present, not exact).
                let metrics = try await gw.call("GET", "/metrics", key: nil).text
                for outcome in ["delivered", "retry", "dead", "disabled"] {
                    #expect(metrics.contains(#"gateway_webhook_delivery_attempts_total{outcome="\#(outcome)"}"#), "\(outcome)")
                }
                #expect(metrics.contains("gateway_webhook_outbox_pending "), "\(metrics)")
                #expect(metrics.contains("gateway_webhook_outbox_oldest_pending_seconds "))
            }
        }
    }
}
