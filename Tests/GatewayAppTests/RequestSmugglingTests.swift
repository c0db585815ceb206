import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

/// Issue 20's attacks on what the gateway routes on (item 5) and on what it stores (item 6): each refused before
/// HighLevel is called, and nothing secret kept.
@Suite struct RequestSmugglingTests {
    private func neverReachesUpstream(_ gw: TestGateway, _ body: () async throws -> Void) async throws {
        let before = gw.sandbox.stats().apiRequests
        try await body()
        #expect(gw.sandbox.stats().apiRequests == before, "the upstream was called")
    }

    @Test func locationsThatDisagreeAreRefused() async throws {
        try await withGateway { gw in
            try await neverReachesUpstream(gw) {
                try await gw.call("POST", "/contacts/?locationId=loc-sandbox", json: #"{"locationId":"loc-other"}"#)
                    .expectProblem(400, containing: "names two locations")
                try await gw.call(
                    "GET", "/contacts/abc?locationId=loc-sandbox", headers: [("X-Location-Id", "loc-other")]
                ).expectProblem(400, containing: "X-Location-Id is 'loc-other'")
                try await gw.call(
                    "POST", "/contacts/", json: #"{"locationId":"loc-sandbox"}"#, headers: [("X-Location-Id", "loc-other")]
                ).expectProblem(400, containing: "names two locations")
                try await gw.call("GET", "/contacts/abc?locationId=loc-sandbox&locationId=loc-other")
                    .expectProblem(400, containing: "locationId 2 times")
                // Repeated, even with the same value, and spelled with an escape in the name.
                try await gw.call("GET", "/contacts/abc?locationId=loc-sandbox&location%49d=loc-sandbox")
                    .expectProblem(400, containing: "locationId 2 times")
                try await gw.call("POST", "/contacts/", json: #"{"locationId":"loc-sandbox","locationId":"loc-other"}"#)
                    .expectProblem(400, containing: "repeats the key 'locationId'")
                try await gw.call("POST", "/contacts/search", json: #"{"locationId":"loc-sandbox","page":1,"page":2}"#)
                    .expectProblem(400, containing: "repeats the key 'page'")
            }
            // Agreeing sources are fine.
            let agreed = try await gw.call(
                "POST", "/contacts/search?locationId=loc-sandbox", json: #"{"locationId":"loc-sandbox","pageLimit":1}"#,
                headers: [("X-Location-Id", "loc-sandbox")])
            #expect(agreed.status == 200, "\(agreed.text)")
        }
    }

    @Test func aKeyPastedIntoAPathIsRefusedAndNeverStored() async throws {
        try await withGateway { gw in
            let pasted = gw.readerKey
            let secret = String(pasted.suffix(KeyFormat.secretLength))
            let encoded = pasted.replacingOccurrences(of: "_", with: "%5F")
            try await neverReachesUpstream(gw) {
                try await gw.call("GET", "/contacts/\(pasted)").expectProblem(400, containing: "shape of a local API key")
                try await gw.call("GET", "/contacts/\(encoded)/tasks").expectProblem(400, containing: "'contactId'")
                try await gw.call("GET", "/contacts/abc/tasks/\(pasted)").expectProblem(400, containing: "'taskId'")
                // Unmatched routes and admin routes: refused as usual, and the path is redacted all the same.
                try await gw.call("GET", "/contacts/\(pasted)/nowhere").expectProblem(404)
                try await gw.call("GET", "/admin/v1/keys/\(pasted)", key: gw.adminKey)
                    .expectProblem(400, containing: "not a key's id")
            }
            await gw.gateway.audit.flush()
            let records = try await gw.store.auditRecords(matching: AuditQuery(), limit: 20)
            #expect(records.contains { $0.path == "/contacts/{redacted-key}" })
            #expect(records.contains { $0.route == "GET /contacts/{redacted-key}/nowhere" })
            #expect(records.allSatisfy { !($0.path.contains(secret) || $0.route.contains(secret)) })
            #expect(records.allSatisfy { $0.contactId == nil || !$0.contactId!.contains(secret) })
            let files = ["gateway.sqlite", "gateway.sqlite-wal"].map { gw.directory.appendingPathComponent($0) }
            for file in files {
                let bytes = (try? Data(contentsOf: file)) ?? Data()
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file.lastPathComponent) holds the key's secret")
            }
        }
    }

    @Test func theDatabaseAndItsCompanionsAreOwnerOnly() async throws {
        try await withGateway { gw in
            _ = try await gw.call("GET", "/contacts/?locationId=loc-sandbox")
            for name in ["gateway.sqlite", "gateway.sqlite-wal", "gateway.sqlite-shm"] {
                let path = gw.directory.appendingPathComponent(name).path
                let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
                #expect(mode == 0o600, "\(name) has mode \(String(mode, radix: 8))")
            }
        }
        // A database made readable by others (by an older version, or by hand) is narrowed when opened.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-modes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        let cipher = TokenCipher(secret: GatewaySecret.generate())
        _ = try SQLiteStore(path: path, cipher: cipher)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        _ = try SQLiteStore(path: path, cipher: cipher)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let directoryMode = try #require(
            try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int)
        #expect(directoryMode == 0o700)
    }
}
