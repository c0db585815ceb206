import Foundation
import GRDB
import GatewayCore
import Testing

@testable import GatewaySQLite

/// A trail written by an earlier version of the gateway (Tests/Fixtures/audit-trail-d13d6a1.sql) still verifies
/// after the store's later migrations: the hash encoding has not changed under the records already stored.
@Suite struct AuditFixtureTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/audit-trail-d13d6a1.sql")

    @Test func aTrailWrittenBeforeTheFieldsWereDescribedOnceStillVerifies() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        let sql = try String(contentsOf: Self.fixture, encoding: .utf8)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: sql) }
        try queue.close()

        let secret = GatewaySecret.generate()
        let key = AuditCheckpointSigner(secret: secret).publicKey
        let store = try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
        let records = try await store.auditRecords(matching: AuditQuery(), ascending: true, limit: 100)
        #expect(records.count == 10)
        // Each record's hash, recomputed by today's code from today's reading of its row, is the one stored.
        for record in records {
            #expect(record.chained(seq: record.seq, prevHash: record.prevHash).hash == record.hash, "record \(record.seq)")
            #expect(record.count == nil)
        }
        #expect(records.map(\.status) == [200, 200, 401, 401, 400, 200, 201, 200, 400, 503])
        let verification = try await store.verifyAudit(key: key)
        #expect(verification.ok && verification.checked == 10, "\(verification)")
        // New records chain on after the old ones.
        try store.appendAudit([AuditRecord(
            time: Date(), requestId: "after-upgrade", method: "GET", route: "GET /healthz", path: "/healthz", status: 200,
            outcome: .ok)])
        #expect(try await store.verifyAudit(key: key).checked == 11)
    }
}
