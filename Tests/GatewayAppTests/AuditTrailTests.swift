import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

/// The audit trail through real sockets: every request recorded before it is answered, reviewable, and verifiable.
@Suite struct AuditTrailTests {
    static func all(_ gw: TestGateway) async throws -> [AuditRecord] {
        try await gw.store.auditRecords(matching: AuditQuery(), ascending: true, limit: 100_000)
    }

    @Test func everyKindOfRequestIsRecordedBeforeItIsAnsweredAndNoneHoldsASecret() async throws {
        try await withGateway { gw in
            var answered: [(id: String, status: Int, route: String, outcome: String)] = []
            func note(_ response: CurlResponse, _ route: String, _ outcome: String) async throws {
                let id = try #require(response.header("X-Request-Id"))
                answered.append((id, response.status, route, outcome))
                // Committed before the response left: it is in the table now.
                let records = try await Self.all(gw)
                #expect(records.contains { $0.requestId == id }, "\(route) not recorded before its answer")
            }
            let location = TestGateway.location
            try await note(try await gw.call("GET", "/contacts/?locationId=\(location)"), "GET /contacts/", "ok")
            // Refused callers' records name the route template too; only a path outside the table keeps its raw path.
            try await note(try await gw.call("GET", "/contacts/abc", key: nil), "GET /contacts/{contactId}", "unauthenticated")
            try await note(try await gw.call("POST", "/contacts/", key: gw.readerKey, json: #"{"locationId":"loc-sandbox"}"#),
                           "POST /contacts/", "denied")
            try await note(try await gw.call("GET", "/contacts/abc/nothing"), "GET /contacts/abc/nothing", "error")
            try await note(try await gw.call("GET", "/openapi.json", key: nil), "GET /openapi.json", "ok")
            try await note(try await gw.call("GET", "/admin/v1/audit?limit=1", key: gw.adminKey), "GET /admin/v1/audit", "ok")
            try await note(try await gw.call("GET", "/admin/v1/audit", key: gw.readerKey), "GET /admin/v1/audit", "denied")
            try await note(try await gw.call("GET", "/oauth/callback?code=the-secret-code&state=unknown", key: nil),
                           "GET /oauth/callback", "error")

            let records = try await Self.all(gw)
            for call in answered {
                let record = try #require(records.first { $0.requestId == call.id })
                #expect(record.status == call.status)
                #expect(record.route == call.route)
                #expect(record.outcome == call.outcome, "\(call.route)")
            }
            let ok = try #require(records.first { $0.requestId == answered[0].id })
            #expect(ok.keyName == "test-editor" && ok.role == "editor" && ok.locationId == location)
            #expect(ok.upstreamStatus == 200 && ok.upstreamAttempts == 1 && ok.client != nil)
            #expect(ok.method == "GET" && ok.path == "/contacts/")
            let callback = try #require(records.first { $0.route == "GET /oauth/callback" })
            #expect(callback.path == "/oauth/callback")

            // No key, token or code anywhere in the trail.
            let dump = try records.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }.joined()
            let connection = try await gw.storedConnection()
            for secret in [gw.editorKey, gw.readerKey, gw.adminKey, "the-secret-code", connection.accessToken] {
                #expect(!dump.contains(secret))
            }
            #expect(try await gw.verifyAudit().ok)
        }
    }

    @Test func adminReviewFiltersPagesAndRefusesBadFilters() async throws {
        try await withGateway { gw in
            for _ in 0..<5 { _ = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)") }
            _ = try await gw.call("GET", "/contacts/abc", key: nil)

            var seen: [Int64] = []
            var cursor: String? = nil
            repeat {
                let page = try await gw.call(
                    "GET", "/admin/v1/audit?limit=2&route=GET%20/contacts/" + (cursor.map { "&cursor=\($0)" } ?? ""),
                    key: gw.adminKey)
                #expect(page.status == 200, "\(page.text)")
                let json = try page.json()
                let records = try #require(json["records"] as? [[String: Any]])
                #expect(records.count <= 2)
                for record in records {
                    #expect(record["route"] as? String == "GET /contacts/")
                    for field in ["seq", "time", "requestId", "keyId", "keyName", "role", "method", "route", "path",
                                  "locationId", "contactId", "resourceId", "status", "outcome", "upstreamStatus",
                                  "upstreamAttempts", "durationMs", "client", "prevHash", "hash"] {
                        #expect(record.keys.contains(field), "\(field)")
                    }
                    let time = try #require(record["time"] as? String)
                    #expect(time.count == 24 && time.hasSuffix("Z"), "\(time)")
                    seen.append(try #require((record["seq"] as? NSNumber)?.int64Value))
                }
                cursor = json["nextCursor"] as? String
            } while cursor != nil
            #expect(seen.count == 5)
            #expect(seen == seen.sorted(by: >), "newest first")

            let unauthenticated = try await gw.call("GET", "/admin/v1/audit?outcome=unauthenticated", key: gw.adminKey)
            #expect((try unauthenticated.json()["records"] as? [Any])?.count == 1)
            let editor = try await Self.all(gw).first { $0.keyName == "test-editor" }
            let byKey = try await gw.call("GET", "/admin/v1/audit?keyId=\(editor?.keyId ?? "?")&status=200&since=1h", key: gw.adminKey)
            #expect((try byKey.json()["records"] as? [Any])?.count == 5)
            let future = try await gw.call("GET", "/admin/v1/audit?since=2999-01-01T00:00:00Z", key: gw.adminKey)
            #expect((try future.json()["records"] as? [Any])?.count == 0)

            try (try await gw.call("GET", "/admin/v1/audit?since=yesterday", key: gw.adminKey)).expectProblem(400, containing: "since")
            try (try await gw.call("GET", "/admin/v1/audit?limit=0", key: gw.adminKey)).expectProblem(400, containing: "limit")
            try (try await gw.call("GET", "/admin/v1/audit?limit=abc", key: gw.adminKey)).expectProblem(400, containing: "limit")
            try (try await gw.call("GET", "/admin/v1/audit?outcome=great", key: gw.adminKey)).expectProblem(400, containing: "outcome")
            try (try await gw.call("GET", "/admin/v1/audit?cursor=x", key: gw.adminKey)).expectProblem(400, containing: "cursor")
            try (try await gw.call("GET", "/admin/v1/audit/verify", key: gw.editorKey)).expectProblem(403, containing: "audit.read")

            let verify = try await gw.call("GET", "/admin/v1/audit/verify", key: gw.adminKey)
            #expect(verify.status == 200)
            #expect(try verify.json()["ok"] as? Bool == true)
        }
    }

    enum Tampering: String, CaseIterable, Sendable {
        case change, delete, insert, swap

        /// SQL run by another process straight on the file, and the record verification must name.
        var edit: (sql: String, failingSeq: Int) {
            switch self {
            case .change: ("UPDATE audit_records SET path = '/elsewhere' WHERE seq = 3", 3)
            case .delete: ("DELETE FROM audit_records WHERE seq = 3", 3)
            case .insert:
                // Make room after record 3 and put a forged record there, chained onto record 3 as an attacker might.
                ("""
                UPDATE audit_records SET seq = seq + 1000000 WHERE seq > 3;
                UPDATE audit_records SET seq = seq - 999999 WHERE seq > 1000000;
                INSERT INTO audit_records SELECT 4, time_ms, 'forged', key_id, key_name, role, method, route, path,
                    location_id, contact_id, resource_id, status, outcome, upstream_status, upstream_attempts,
                    duration_us, client, hash, hash, count, node FROM audit_records WHERE seq = 3;
                """, 4)
            case .swap:
                ("""
                CREATE TEMP TABLE t AS SELECT * FROM audit_records WHERE seq IN (3, 4);
                UPDATE t SET seq = 7 - seq;
                DELETE FROM audit_records WHERE seq IN (3, 4);
                INSERT INTO audit_records SELECT * FROM t;
                """, 3)
            }
        }
    }

    @Test(arguments: Tampering.allCases)
    func verificationNamesTheFirstTamperedRecord(_ tampering: Tampering) async throws {
        try await withGateway { gw in
            for _ in 0..<6 { _ = try await gw.call("GET", "/openapi.json", key: nil) }
            #expect(try await gw.verifyAudit().ok)
            let path = gw.databasePath
            let edit = tampering.edit
            let result = try await blocking {
                try Executable.run(["-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()",
                                    path, edit.sql], python: true)
            }
            #expect(result.status == 0, "\(result.stderr)")

            let verify = try await gw.call("GET", "/admin/v1/audit/verify", key: gw.adminKey)
            let json = try verify.json()
            #expect(json["ok"] as? Bool == false, "\(verify.text)")
            #expect(json["firstFailingSeq"] as? Int == edit.failingSeq, "\(verify.text)")

            let database = gw.database
            let cli = try await blocking { try Executable.run(["audit", "verify", "--database", database]) }
            #expect(cli.status == 1)
            #expect(cli.stderr.split(separator: "\n").count == 1)
            #expect(cli.stderr.contains("record \(edit.failingSeq)"), "\(cli.stderr)")
        }
    }

    @Test func verificationOverHTTPHoldsTheTrailToItsSignedCheckpoints() async throws {
        try await withGateway { gw in
            for _ in 0..<6 { _ = try await gw.call("GET", "/openapi.json", key: nil) }
            let signer = gw.gateway.storage.checkpointSigner
            let round = try await gw.store.signAuditCheckpoint(signer: signer, node: "gw-http", nowMs: 1_800_000_000_000)
            let id = try #require(round.id)
            let honest = try (try await gw.call("GET", "/admin/v1/audit/verify", key: gw.adminKey)).json()
            #expect(honest["ok"] as? Bool == true && honest["checkpointsChecked"] as? Int == 1, "\(honest)")
            #expect(honest["signedSeq"] as? Int == 6 && honest["failingCheckpoint"] is NSNull, "\(honest)")

            // The newest records cut by another process (the verify call above is record 7).
            let path = gw.databasePath
            _ = try await blocking {
                try Executable.run(["-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute('DELETE FROM audit_records WHERE seq > 4')\nc.commit()", path], python: true)
            }
            let cut = try (try await gw.call("GET", "/admin/v1/audit/verify", key: gw.adminKey)).json()
            #expect(cut["ok"] as? Bool == false && cut["firstFailingSeq"] as? Int == 5, "\(cut)")
            #expect((cut["reason"] as? String)?.contains("records 5…6 are missing (deleted), though checkpoint #\(id)") == true, "\(cut)")
            let failing = try #require(cut["failingCheckpoint"] as? [String: Any], "\(cut)")
            #expect(failing["id"] as? Int == Int(id) && failing["seq"] as? Int == 6 && failing["node"] as? String == "gw-http")
            #expect(failing["file"] is NSNull && failing["time"] as? String == "2027-01-15T08:00:00.000Z")
        }
    }

    @Test func asyncDurabilityRecordsInTheBackgroundAndStillChains() async throws {
        var options = TestGateway.Options()
        options.auditDurability = .async
        try await withGateway(options) { gw in
            var ids: [String] = []
            for _ in 0..<20 {
                let response = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
                #expect(response.status == 200)
                ids.append(try #require(response.header("X-Request-Id")))
            }
            await gw.gateway.audit.flush()
            let recorded = Set(try await Self.all(gw).map(\.requestId))
            #expect(ids.allSatisfy(recorded.contains))
            #expect(try await gw.verifyAudit().ok)
        }
    }

    @Test func failsClosedWithoutCallingHighLevelWhenTheStoreCannotRecord() async throws {
        try await withGateway { gw in
            let ok = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            #expect(ok.status == 200)
            // Another process holds the write lock longer than the store's busy timeout (5 s).
            let path = gw.databasePath
            // Held well past the refusal's own record, which may wait behind the key-usage flush's write (5 s of busy
            // timeout each) on a loaded machine.
            let lock = try await StoreLock.hold(path, seconds: 16)
            try await Task.sleep(for: .milliseconds(1100))  // past the trail's trust in its last commit
            // The refusal's own record needs no lock of the database: the server's audit journal takes it, and the
            // table gets it once the lock is gone.

            let before = gw.sandbox.stats().apiRequests
            let refused = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            try refused.expectProblem(503, containing: "audit")
            #expect(gw.sandbox.stats().apiRequests == before, "HighLevel was called for a request that was not recorded")
            let refusedId = refused.header("X-Request-Id")

            try await lock.released()
            let recovered = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            #expect(recovered.status == 200, "\(recovered.text)")
            let records = try await Self.all(gw)
            #expect(records.first { $0.requestId == refusedId }?.status == 503)
            #expect(records.contains { $0.requestId == recovered.header("X-Request-Id") })
            #expect(try await gw.verifyAudit().ok)
        }
    }
}
