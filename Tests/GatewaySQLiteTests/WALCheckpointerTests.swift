import Foundation
import GRDB
import GatewayCore
import Testing

@testable import GatewaySQLite

/// The background checkpoint against a real SQLite file that the audit trail writes.
@Suite struct WALCheckpointerTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-wal-\(UUID().uuidString)")
    var path: String { directory.appendingPathComponent("store.sqlite").path }

    static func event(_ index: Int) -> AuditEvent {
        AuditEvent(
            time: Date(), requestId: "wal-\(index)", method: "GET", route: "GET /contacts/{contactId}",
            path: "/contacts/c\(index)", status: 200, outcome: .ok, keyId: "k1", upstreamStatus: 200,
            upstreamAttempts: 1, durationMs: 1)
    }

    @Test func copiesTheLogIntoTheDatabaseWhileTheTrailIsWritten() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: path, cipher: TokenCipher(secret: GatewaySecret.generate()))
        let checkpointer = try store.makeCheckpointer()
        // Fewer than SQLite's 1,000-page automatic checkpoint: without this checkpoint the frames stay in the log.
        for batch in 0..<50 { try store.appendAudit((0..<4).map { Self.event(batch * 4 + $0) }) }
        let first = try #require(try await checkpointer.checkpoint())
        #expect(first.walFrames > 0)
        #expect(first.checkpointed == first.walFrames)
        // Writes go on while it runs: the next checkpoint copies the new frames, and the chain is intact.
        for batch in 50..<60 { try store.appendAudit([Self.event(batch)]) }
        let second = try #require(try await checkpointer.checkpoint())
        #expect(second.checkpointed == second.walFrames)
        let verification = try await store.verifyAudit()
        #expect(verification.ok && verification.checked == 210)
    }

    /// Another connection checkpointing (a second gateway on the file, say) is not a failure: it does the work.
    @Test func anotherCheckpointAtWorkIsNotAFailure() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: path, cipher: TokenCipher(secret: GatewaySecret.generate()))
        for batch in 0..<20 { try store.appendAudit([Self.event(batch)]) }
        // A reader holding an old snapshot, then more frames after it...
        var readerConfiguration = Configuration()
        readerConfiguration.allowsUnsafeTransactions = true
        let reader = try DatabaseQueue(path: path, configuration: readerConfiguration)
        try await reader.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN")
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_records")
        }
        for batch in 20..<40 { try store.appendAudit([Self.event(batch)]) }
        // ...so that a RESTART checkpoint elsewhere holds the checkpoint lock while it waits for that reader.
        let other = try DatabaseQueue(path: path)
        async let restart: Void = other.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA busy_timeout = 5000")
            _ = try? db.checkpoint(.restart)
        }
        let checkpointer = try store.makeCheckpointer()
        var sawBusy = false
        for _ in 0..<200 where !sawBusy {
            sawBusy = try await checkpointer.checkpoint() == nil
            if !sawBusy { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(sawBusy)
        try await reader.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
        try await restart
        let after = try #require(try await checkpointer.checkpoint())
        #expect(after.checkpointed == after.walFrames)
    }

    @Test func aStoreThatCannotBeOpenedAgainIsAnError() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: path, cipher: TokenCipher(secret: GatewaySecret.generate()))
        // The file replaced by a directory: the server's open connections keep working, a new one cannot open.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        #expect(throws: (any Error).self) { try store.makeCheckpointer() }
    }
}
