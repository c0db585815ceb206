import Foundation
import GRDB
import GatewayCore
import Testing

@testable import GatewaySQLite

/// The audit writer's INSERT, which binds with SQLite's own calls, against a real SQLite file.
@Suite struct AuditInsertTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-insert-\(UUID().uuidString)")

    let secret = GatewaySecret.generate()
    var key: AuditCheckpointKey { AuditCheckpointSigner(secret: secret).publicKey }

    func openStore() throws -> SQLiteStore {
        try SQLiteStore(path: directory.appendingPathComponent("store.sqlite").path, cipher: TokenCipher(secret: secret))
    }

    @Test func everyFieldComesBackAsItWasWritten() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try openStore()
        let full = AuditRecord(
            time: Date(timeIntervalSince1970: 1_764_037_240.123), requestId: "req-\"1\"", method: "PUT",
            route: "PUT /contacts/{contactId}", path: "/contacts/c1?x=ü\u{1}", status: 201, outcome: .upstreamError,
            keyId: "k1", keyName: "", role: "editor", locationId: "loc-é", contactId: "c1", resourceId: "n1",
            upstreamStatus: 502, upstreamAttempts: 3, durationMs: 12.3456, client: "10.0.0.1")
        let sparse = AuditRecord(
            time: Date(timeIntervalSince1970: 1_764_037_241), requestId: "req-2", method: "GET", route: "GET /healthz",
            path: "/healthz", status: 200, outcome: .ok)
        try store.appendAudit([full, sparse])

        let records = try await store.auditRecords(matching: AuditQuery(), ascending: true, limit: 10)
        try #require(records.count == 2)
        let expected = [
            full.chained(seq: 1, prevHash: AuditChain.genesis),
            sparse.chained(seq: 2, prevHash: records[0].hash),
        ]
        #expect(records == expected)
        // The empty key name stayed an empty string, not NULL; the missing one is NULL.
        #expect(records[0].keyName == "" && records[1].keyName == nil)
        #expect(try await store.verifyAudit(key: key).ok)
    }

    @Test func aFailedInsertCommitsNothingOfItsBatchAndTheNextBatchIsWritten() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try openStore()
        try store.appendAudit([WALCheckpointerTests.event(0)])
        // A real SQLite failure in the middle of a batch: a trigger refuses one record.
        try await store.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_boom BEFORE INSERT ON audit_records WHEN NEW.request_id = 'boom'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        }
        let boom = AuditRecord(time: Date(), requestId: "boom", method: "GET", route: "GET /healthz", path: "/healthz",
                              status: 200, outcome: .ok)
        #expect(throws: DatabaseError.self) {
            try store.appendAudit([WALCheckpointerTests.event(1), boom, WALCheckpointerTests.event(2)])
        }
        try store.appendAudit([WALCheckpointerTests.event(3)])

        let ids = try await store.auditRecords(matching: AuditQuery(), ascending: true, limit: 10).map(\.requestId)
        #expect(ids == ["wal-0", "wal-3"])
        let verification = try await store.verifyAudit(key: key)
        #expect(verification.ok && verification.checked == 2)
    }
}
