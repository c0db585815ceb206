import ChildProcess
import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

/// The built binary under SIGTERM: it stops accepting, finishes what is in flight, commits its audit records and
/// signs a checkpoint over them, and its log lines (JSON by default) hold no secret.
@Suite(.serialized) struct ShutdownTests {
    @Test func sigtermFinishesTheRequestInFlightAndCommitsItsAuditRecord() async throws {
        try await withGateway { gw in
            let database = gw.database
            let secret = gw.gateway.storage.secret.base64
            let logFile = gw.directory.appendingPathComponent("serve.log")
            let server = try await ServerProcess.start(
                arguments: [
                    "serve", "--listen", "127.0.0.1:0", "--database", database, "--upstream-url", gw.sandboxURL,
                    "--client-id", "sandbox-client-id", "--client-secret", "sandbox-client-secret", "--node", "gw-sigterm",
                ],
                environment: ["GATEWAY_SECRET_KEY": secret, "GATEWAY_LOG_LEVEL": "trace", "GATEWAY_LOG_FORMAT": ""],
                stderr: logFile)
            defer { server.stop() }

            let client = try CurlHTTPClient()
            defer { client.shutdown() }
            let base = "http://127.0.0.1:\(server.port)"
            // A warm-up through the child, so the upstream token is used by it too.
            let warm = try await client.execute(CurlRequest(
                method: "GET", url: base + "/contacts/?locationId=loc-sandbox",
                headers: [("X-API-Key", gw.editorKey)]))
            #expect(warm.status == 200)

            gw.sandbox.addFault(.init(method: "GET", pathPrefix: "/contacts/", delayMilliseconds: 1500, times: 1))
            let requestId = "sigterm-\(UUID().uuidString.prefix(8))"
            let inFlight = Task {
                try await client.execute(CurlRequest(
                    method: "GET", url: base + "/contacts/?locationId=loc-sandbox",
                    headers: [("Authorization", "Bearer \(gw.editorKey)"), ("X-Request-Id", requestId)]))
            }
            try await Task.sleep(for: .milliseconds(500))
            server.child.signal(SIGTERM)
            let answer = try await inFlight.value
            #expect(answer.status == 200, "\(answer.text)")
            #expect(try await blocking { server.waitUntilExit() } == .exited(0))

            // Stopped accepting.
            await #expect(throws: CurlError.self) {
                _ = try await client.execute(CurlRequest(method: "GET", url: base + "/healthz"))
            }
            // Its audit record is committed.
            let listed = try await CLI.json(["audit", "list", "--limit", "20"], database: database)
            let records = try #require(listed["records"] as? [[String: Any]])
            let record = try #require(records.first { $0["requestId"] as? String == requestId }, "\(records)")
            #expect(record["status"] as? Int == 200)
            #expect(record["outcome"] as? String == "ok")
            // And signed: the checkpoint written at shutdown covers the last record, the one in flight included.
            let checkpoint = try await CLI.json(["audit", "checkpoint"], database: database)
            #expect(checkpoint["seq"] as? Int == records.map { $0["seq"] as? Int ?? 0 }.max(), "\(checkpoint)")
            #expect(checkpoint["node"] as? String == "gw-sigterm")
            let verified = try await CLI.run(["audit", "verify"], database: database)
            #expect(verified.status == 0 && verified.stdout.contains("1 signed checkpoint"), "\(verified.stdout)\(verified.stderr)")

            // The child's log: JSON lines by default, none with a secret.
            let log = try String(contentsOf: logFile, encoding: .utf8)
            let lines = log.split(separator: "\n")
            #expect(!lines.isEmpty)
            for line in lines {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not JSON: \(line)")
            }
            let connection = try await gw.storedConnection()
            for secret in [gw.editorKey, String(gw.editorKey.suffix(KeyFormat.secretLength)), connection.accessToken,
                           secret] + (connection.refreshToken.map { [$0] } ?? []) {
                #expect(!log.contains(secret), "a secret in the server's log")
            }
        }
    }
}
