import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import TestPostgres
import Testing

/// `contacts-gateway store copy`, run as the real executable: a real gateway's SQLite file into PostgreSQL, served from
/// there, and back into a new SQLite file; and each way it refuses, with one line.
@Suite(.enabled(if: TestPostgres.enabled), .serialized) struct StoreCopyProcessTests {
    func command(_ arguments: [String], _ environment: [String: String]) async throws -> Executable.Result {
        try await blocking { try Executable.run(arguments, environment: environment) }
    }

    /// A gateway on an SQLite file with something of every kind in it: keys (one revoked), a role, the sandbox
    /// connection, proxied requests in the trail, a subscription and an accepted webhook event.
    func fill(_ gw: TestGateway) async throws -> (support: String, revoked: String) {
        let intake = WebhookIntakeTests()
        #expect(try await CLI.run(["roles", "create", "support", "--scopes", "contacts.readonly"], database: gw.database)
            .status == 0)
        let support = try await gw.makeKey(role: "support", name: "support")
        let gone = try await gw.makeKey(role: "reader", name: "gone")
        try await gw.gateway.keyAdministration.revoke(id: gone.id, by: .operator)
        let loc = TestGateway.location
        let created = try await gw.call("POST", "/contacts/", json: #"{"locationId":"\#(loc)","firstName":"Ada"}"#)
        #expect(created.status == 201, "\(created.text)")
        #expect(try await gw.call("GET", "/contacts/?locationId=\(loc)", key: support.key).status == 200)
        try await intake.subscribe(gw, "sub_copied", events: ["ContactCreate"])
        let body = WebhookIntakeTests.event("wh-copied")
        let taken = try await intake.post(gw, body, headers: [("X-GHL-Signature", try WebhookIntakeTests.signature(body))])
        #expect(taken.status == 200, "\(taken.text)")
        // Some records are committed a moment after their answers went out (the webhook's): wait until the trail
        // stops growing, so that the source's count is the one the copy sees.
        var seen = -1
        for _ in 0..<20 {
            await gw.gateway.audit.flush()
            let now = try await gw.verifyAudit()
            #expect(now.ok)
            if now.checked == seen { break }
            seen = now.checked
            try await Task.sleep(for: .milliseconds(250))
        }
        return (support.key, gone.key)
    }

    @Test func anSQLiteStoreMovesToPostgresServesThereAndComesBackToANewFile() async throws {
        let database = try await TestPostgres.makeDatabase()
        defer { Task { await database.drop() } }
        try await withGateway(WebhookIntakeTests.options) { gw in
            let keys = try await fill(gw)
            let sourceRecords = try await gw.verifyAudit().checked

            // GATEWAY_SECRET_KEY unset: the key file beside the SQLite file is the secret the target is sealed with.
            let copied = try await command(
                ["store", "copy", "--database", gw.database, "--to", database.url], ["GATEWAY_SECRET_KEY": ""])
            #expect(copied.status == 0, "\(copied.stdout) \(copied.stderr)")
            let lines = copied.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("copied 5 API keys (1 revoked)"), "\(copied.stdout)")
            #expect(lines.contains("copied 1 custom role"))
            #expect(lines.contains("copied 1 connection (tokens sealed)"))
            #expect(lines.contains { $0.hasPrefix("copied \(sourceRecords) audit records (seq 1-\(sourceRecords))") }, "\(copied.stdout)")
            #expect(lines.contains("copied 1 webhook subscription (secrets sealed)"))
            #expect(lines.contains("copied 1 webhook event"))
            #expect(lines.contains("copied 1 webhook delivery"))
            #expect(lines.last?.contains("The audit chain holds: \(sourceRecords) records checked") == true,
                    "\(sourceRecords): \(copied.stdout)")

            // Served from PostgreSQL with the source's secret: its keys, its connection's token, its trail.
            let secret = try String(contentsOfFile: gw.databasePath + ".key", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let postgres = ["GATEWAY_SECRET_KEY": secret, "GATEWAY_DATABASE": database.url]
            let server = try await ServerProcess.start(
                arguments: ["serve", "--listen", "127.0.0.1:0"],
                environment: postgres.merging(["GATEWAY_UPSTREAM_URL": gw.sandboxURL]) { $1 })
            defer { server.stop() }
            let client = try CurlHTTPClient()
            defer { client.shutdown() }
            func get(_ key: String) async throws -> CurlResponse {
                try await client.execute(
                    CurlRequest(
                        method: "GET", url: "http://127.0.0.1:\(server.port)/contacts/?locationId=\(TestGateway.location)",
                        headers: [("Authorization", "Bearer \(key)")]))
            }
            let listed = try await get(keys.support)
            #expect(listed.status == 200, "\(listed.text)")
            #expect(listed.text.contains("Ada"))
            #expect(try await get(gw.editorKey).status == 200)
            #expect(try await get(keys.revoked).status == 401)
            let verified = try await command(["audit", "verify"], postgres)
            #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
            #expect(try await command(["subscriptions", "list", "--output", "json"], postgres).stdout.contains("sub_copied"))
            #expect(try await command(["roles", "list"], postgres).stdout.contains("support"))

            // And back, into a new SQLite file: the trail the PostgreSQL gateway added to verifies there too.
            let back = gw.directory.appendingPathComponent("back/copy.sqlite").path
            let returned = try await command(["store", "copy", "--to", "sqlite:" + back], postgres)
            #expect(returned.status == 0, "\(returned.stdout) \(returned.stderr)")
            #expect(returned.stdout.contains("copied 5 API keys (1 revoked)"))
            // GATEWAY_SECRET_KEY set: no key file is written; the copy is opened with that key, as its source.
            #expect(!FileManager.default.fileExists(atPath: back + ".key"))
            let onCopy = ["GATEWAY_SECRET_KEY": secret, "GATEWAY_DATABASE": "sqlite:" + back]
            let verifiedBack = try await command(["audit", "verify", "--output", "json"], onCopy)
            #expect(verifiedBack.status == 0, "\(verifiedBack.stdout) \(verifiedBack.stderr)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(verifiedBack.stdout.utf8)) as? [String: Any])
            #expect(report["ok"] as? Bool == true)
            #expect((report["checked"] as? Int ?? 0) > sourceRecords)
            #expect(try await command(["connections", "list"], onCopy).stdout.contains(TestGateway.location))

            // Into a store that holds data: refused with one line naming what is there, nothing written. The
            // PostgreSQL gateway stops first: its delivery attempts go into the trail, which must stand still here.
            server.stop()
            let before = try await command(["audit", "verify"], postgres).stdout
            let refused = try await command(
                ["store", "copy", "--database", gw.database, "--to", database.url], ["GATEWAY_SECRET_KEY": ""])
            CLI.expectFailure(refused, containing: "the target is not empty (it holds 5 API keys, 1 role, 1 connection")
            #expect(refused.stderr.contains("nothing was written"))
            #expect(try await command(["audit", "verify"], postgres).stdout == before)
            let refusedFile = try await command(["store", "copy", "--to", "sqlite:" + back], postgres)
            CLI.expectFailure(refusedFile, containing: "the target is not empty")
            // The source itself.
            CLI.expectFailure(
                try await command(["store", "copy", "--database", gw.database, "--to", gw.database], [:]),
                containing: "is the source itself")
        }
    }

    @Test func aTargetSealedWithAnotherSecretAnUnreachableOneAndABadOneAreRefusedWithOneLine() async throws {
        let database = try await TestPostgres.makeDatabase()
        defer { Task { await database.drop() } }
        try await withGateway(WebhookIntakeTests.options) { gw in
            _ = try await fill(gw)
            let bare = ["GATEWAY_SECRET_KEY": ""]

            // A PostgreSQL database sealed by a gateway with another secret: the copy's tokens would not open there.
            let stranger = ["GATEWAY_SECRET_KEY": GatewaySecret.generate().base64, "GATEWAY_DATABASE": database.url]
            #expect(try await command(["keys", "list"], stranger).status == 0)
            CLI.expectFailure(
                try await command(["store", "copy", "--database", gw.database, "--to", database.url], bare),
                containing: "sealed with another GATEWAY_SECRET_KEY")
            let left = try await command(["keys", "list", "--output", "json"], stranger).stdout
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(left.utf8)) as? [String: Any])
            #expect((listed["keys"] as? [Any])?.isEmpty == true, "\(left)")

            // SQLite to a new SQLite file, no GATEWAY_SECRET_KEY: the copy gets the source's key file, and opens alone.
            let twin = gw.directory.appendingPathComponent("twin.sqlite").path
            let twinned = try await command(["store", "copy", "--database", gw.database, "--to", "sqlite:" + twin], bare)
            #expect(twinned.status == 0, "\(twinned.stderr)")
            #expect(try String(contentsOfFile: twin + ".key", encoding: .utf8)
                == String(contentsOfFile: gw.databasePath + ".key", encoding: .utf8))
            let twinVerified = try await command(["audit", "verify", "--database", "sqlite:" + twin], bare)
            #expect(twinVerified.status == 0 && twinVerified.stdout.contains("The audit chain holds"), "\(twinVerified.stderr)")

            // An SQLite target whose key file holds another secret: refused before the file is made.
            let other = gw.directory.appendingPathComponent("other.sqlite").path
            try GatewaySecret.generate().writeKeyFile(other + ".key")
            CLI.expectFailure(
                try await command(["store", "copy", "--database", gw.database, "--to", "sqlite:" + other], bare),
                containing: "beside the target holds another secret than the source's")
            #expect(!FileManager.default.fileExists(atPath: other))

            // The source's key file is not the secret given: its tokens do not open, nothing is copied.
            let wrongSource = try await command(
                ["store", "copy", "--database", gw.database, "--to", "sqlite:" + other + "-2"],
                ["GATEWAY_SECRET_KEY": GatewaySecret.generate().base64])
            CLI.expectFailure(wrongSource, containing: "cannot read \(gw.databasePath)")
            #expect(!FileManager.default.fileExists(atPath: other + "-2"))

            // Nothing listens: one line, exit 1, no password shown.
            let unreachable = try await command(
                [
                    "store", "copy", "--database", gw.database,
                    "--to", "postgres://u:hunter2@127.0.0.1:1/x?sslmode=disable",
                ], bare)
            CLI.expectFailure(unreachable, containing: "cannot open postgres://u@127.0.0.1:1/x")
            #expect(unreachable.status == 1 && !unreachable.stderr.contains("hunter2"))

            CLI.expectFailure(
                try await command(["store", "copy", "--database", gw.database, "--to", "mysql://x"], bare),
                containing: "--to 'mysql://x' is not a database")
        }
    }
}
