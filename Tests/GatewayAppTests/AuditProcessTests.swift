import ChildProcess
import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import Synchronization
import Testing

/// The audit trail as operators meet it: the CLI, and a server killed under load.
@Suite(.serialized) struct AuditProcessTests {
    @Test func cliListsExportsPrunesAndVerifies() async throws {
        try await withGateway { gw in
            let database = gw.database
            for _ in 0..<3 { _ = try await gw.call("GET", "/openapi.json", key: nil) }
            try await Task.sleep(for: .milliseconds(20))
            let cutoff = Timestamp.rfc3339(Date())
            try await Task.sleep(for: .milliseconds(20))
            for _ in 0..<4 { _ = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)") }
            _ = try await gw.call("GET", "/contacts/x", key: nil)

            try await blocking {
                let listed = try Executable.run(["audit", "list", "--database", database, "--output", "json", "--limit", "3"])
                #expect(listed.status == 0, "\(listed.stderr)")
                let json = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
                #expect((json?["records"] as? [Any])?.count == 3)
                let table = try Executable.run(["audit", "list", "--database", database, "--outcome", "unauthenticated"])
                #expect(table.status == 0 && table.stdout.contains("GET /contacts/{contactId}"), "\(table.stdout)")
                #expect(table.stdout.split(separator: "\n").count == 2)
                let filtered = try Executable.run(["audit", "list", "--database", database, "--output", "json",
                                                   "--route", "GET /contacts/", "--location", "loc-sandbox", "--since", "1h"])
                #expect(filtered.stdout.components(separatedBy: "\"requestId\"").count - 1 == 4)

                let jsonl = try Executable.run(["audit", "export", "--database", database, "--format", "jsonl"])
                let lines = jsonl.stdout.split(separator: "\n")
                #expect(lines.count == 8)
                let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
                #expect(first?["seq"] as? Int == 1 && first?["prevHash"] as? String == AuditChain.genesis)
                let csv = try Executable.run(["audit", "export", "--database", database, "--format", "csv", "--route", "GET /openapi.json"])
                let rows = csv.stdout.split(separator: "\r\n")
                #expect(rows.count == 4 && rows[0].hasPrefix("seq,time,requestId"), "\(csv.stdout)")

                for bad in [["--since", "last tuesday"], ["--outcome", "fine"], ["--limit", "0"]] {
                    let refused = try Executable.run(["audit", "list", "--database", database] + bad)
                    #expect(refused.status == 1, "\(bad)")
                    #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
                }

                let pruned = try Executable.run(["audit", "prune", "--database", database, "--before", cutoff, "--output", "json"])
                #expect(pruned.status == 0, "\(pruned.stderr)")
                #expect(pruned.stdout.contains("\"pruned\" : 3"), "\(pruned.stdout)")
                let verified = try Executable.run(["audit", "verify", "--database", database])
                #expect(verified.status == 0, "\(verified.stderr)")
                #expect(verified.stdout.contains("checkpoint at record 3"), "\(verified.stdout)")
            }
            // New records chain on after the pruned ones, and a deletion right after the checkpoint is still caught.
            _ = try await gw.call("GET", "/openapi.json", key: nil)
            #expect(try await gw.verifyAudit().ok)
            let path = gw.databasePath
            try await blocking {
                _ = try Executable.run(["-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute('DELETE FROM audit_records WHERE seq = 4')\nc.commit()", path], python: true)
                let broken = try Executable.run(["audit", "verify", "--database", database])
                #expect(broken.status == 1 && broken.stderr.contains("record 4"), "\(broken.stderr)")
            }
        }
    }

    @Test func everyAnsweredRequestSurvivesSIGKILLUnderLoadAndTheChainVerifies() async throws {
        try await withGateway { gw in
            let database = gw.database
            let secret = gw.gateway.storage.secret.base64
            let server = try await ServerProcess.start(
                arguments: ["serve", "--listen", "127.0.0.1:0", "--database", database, "--upstream-url", gw.sandboxURL,
                            "--client-id", "sandbox-client-id", "--client-secret", "sandbox-client-secret"],
                environment: ["GATEWAY_SECRET_KEY": secret])
            let client = try CurlHTTPClient()
            defer { client.shutdown() }
            let received = ReceivedIds()
            let base = "http://127.0.0.1:\(server.port)"
            let key = gw.editorKey
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        var index = 0
                        while true {
                            index += 1
                            let path = worker % 4 == 0 ? "/openapi.json" : "/contacts/?locationId=loc-sandbox"
                            let request = CurlRequest(method: "GET", url: base + path, headers: [("Authorization", "Bearer \(key)")])
                            guard let response = try? await client.execute(request) else { return }
                            if let id = response.header("X-Request-Id") { received.ids.withLock { $0.append(id) } }
                        }
                    }
                }
                group.addTask {
                    while received.ids.withLock({ $0.count }) < 600 { try? await Task.sleep(for: .milliseconds(10)) }
                    server.child.signal(SIGKILL)
                }
            }
            #expect(try await blocking { server.waitUntilExit() } == .signalled(SIGKILL))

            let ids = received.ids.withLock { $0 }
            #expect(ids.count >= 600)
            let store = gw.store
            let recorded = Set(try await store.auditRecords(matching: AuditQuery(), ascending: true, limit: 1_000_000).map(\.requestId))
            let missing = ids.filter { !recorded.contains($0) }
            #expect(missing.isEmpty, "\(missing.count) answered requests are not in the trail")
            let verified = try await blocking { try Executable.run(["audit", "verify", "--database", database]) }
            #expect(verified.status == 0, "\(verified.stderr)")
        }
    }
}

/// The request ids of the answers the clients received, shared by the load's tasks.
final class ReceivedIds: Sendable {
    let ids = Mutex<[String]>([])
}
