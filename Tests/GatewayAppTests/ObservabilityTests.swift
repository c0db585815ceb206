import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import Logging
import Synchronization
import Testing

/// `/metrics`, the JSON log lines, and that no secret reaches them.
@Suite struct ObservabilityTests {
    @Test func metricsArePrometheusTextWithoutAKey() async throws {
        var options = TestGateway.Options()
        options.tokenLifetime = .seconds(3)
        try await withGateway(options) { gw in
            #expect(try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)").status == 200)
            #expect(try await gw.call("GET", "/contacts/", key: "cgw_nope").status == 401)
            let slow = try await gw.makeKey(role: "reader", name: "slow", rate: "1/min", burst: 1)
            _ = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)", key: slow.key)
            #expect(try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)", key: slow.key).status == 429)
            // Past the token's lifetime, the next call refreshes it first.
            try await Task.sleep(for: .milliseconds(3100))
            #expect(try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)").status == 200)

            let metrics = try await gw.call("GET", "/metrics", key: nil)
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = metrics.text
            for fragment in [
                #"gateway_requests_total{route="GET /contacts/",status="200",outcome="ok"}"#,
                // Refused callers are counted under the route template too: the route table is read first.
                #"gateway_requests_total{route="GET /contacts/",status="401",outcome="unauthenticated"}"#,
                #"gateway_rate_limited_total{route="GET /contacts/"}"#,
                #"gateway_request_duration_seconds_bucket{route="GET /contacts/",le="#,
                #"gateway_upstream_duration_seconds_bucket{call="api",le="#,
                #"gateway_upstream_requests_total{call="api",status="200"}"#,
                #"gateway_upstream_duration_seconds_count{call="token"}"#,
                "gateway_token_refreshes_total",
                "gateway_audit_commit_duration_seconds_bucket",
                "gateway_audit_queue_depth",
                #"gateway_upstream_budget_remaining{location="loc-sandbox"}"#,
            ] {
                #expect(text.contains(fragment), "missing \(fragment)")
            }
            #expect(!text.contains(gw.editorKey) && !text.contains(slow.key))
        }
    }

    @Test func jsonLogLinesCarryTheRequestIdAndNoSecret() async throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "contacts-gateway") { label in
            JSONLogHandler(label: label, level: .trace) { line in lines.withLock { $0.append(line) } }
        }
        logger.logLevel = .trace
        var options = TestGateway.Options()
        options.logger = logger
        options.tokenLifetime = .seconds(3)
        try await withGateway(options) { gw in
            let keys = [gw.adminKey, gw.editorKey, gw.readerKey]
            for key in keys {
                _ = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)", key: key)
                _ = try await gw.call(
                    "GET", "/contacts/?locationId=\(TestGateway.location)", key: nil, headers: [("X-API-Key", key)])
                _ = try await gw.call("POST", "/contacts/", key: key, json: #"{"locationId":"loc-sandbox","firstName":"A"}"#)
                _ = try await gw.call("GET", "/admin/v1/keys", key: key, headers: [("X-Request-Id", "req-log-1")])
            }
            try await Task.sleep(for: .milliseconds(3100))
            _ = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            // A log call that carries secrets anyway is masked.
            gw.gateway.logger.warning(
                "careless Bearer \(gw.editorKey) here",
                metadata: ["authorization": "Bearer \(gw.adminKey)", "requestId": "req-log-2", "note": "\(gw.readerKey)"])

            let connection = try await gw.storedConnection()
            let tokens = [connection.accessToken] + (connection.refreshToken.map { [$0] } ?? [])
            let all = lines.withLock { $0 }
            #expect(!all.isEmpty)
            for line in all {
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
                #expect(object["time"] is String && object["level"] is String && object["label"] is String
                    && object["message"] is String, "\(line)")
                #expect(!line.contains("\n"))
                for secret in keys + tokens {
                    #expect(!line.contains(secret), "a secret in a log line: \(line)")
                    #expect(!line.contains(String(secret.suffix(KeyFormat.secretLength))), "a secret part in: \(line)")
                }
            }
            #expect(all.contains { $0.contains(#""requestId":"req-log-2""#) && $0.contains("[redacted]") })
            #expect(all.contains { $0.contains(#""requestId":"#) && $0.contains(#""label":"#) })
        }
    }
}
