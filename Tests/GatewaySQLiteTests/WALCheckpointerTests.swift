import Foundation
import GatewayCore
import Testing

@testable import GatewaySQLite

/// The background checkpoint against a real SQLite file that the audit trail writes.
@Suite struct WALCheckpointerTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-wal-\(UUID().uuidString)")
    var path: String { directory.appendingPathComponent("store.sqlite").path }
    let secret = GatewaySecret.generate()

    static func event(_ index: Int) -> AuditRecord {
        AuditRecord(
            time: Date(), requestId: "wal-\(index)", method: "GET", route: "GET /contacts/{contactId}",
            path: "/contacts/c\(index)", status: 200, outcome: .ok, keyId: "k1", upstreamStatus: 200,
            upstreamAttempts: 1, durationMs: 1)
    }

    @Test func copiesTheLogIntoTheDatabaseWhileTheTrailIsWritten() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
        let checkpointer = try store.makeCheckpointer()
        // Fewer than SQLite's 1,000-page automatic checkpoint: without this checkpoint the frames stay in the log.
        for batch in 0..<50 { try store.appendAudit((0..<4).map { Self.event(batch * 4 + $0) }) }
        let first = try await checkpointer.checkpoint()
        #expect(first.walFrames > 0)
        #expect(first.checkpointed == first.walFrames)
        // Writes go on while it runs: the next checkpoint copies the new frames, and the chain is intact.
        for batch in 50..<60 { try store.appendAudit([Self.event(batch)]) }
        let second = try await checkpointer.checkpoint()
        #expect(second.checkpointed == second.walFrames)
        let verification = try await store.verifyAudit(key: AuditCheckpointSigner(secret: secret).publicKey)
        #expect(verification.ok && verification.checked == 210)
    }

    @Test func aStoreThatCannotBeOpenedAgainIsAnError() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
        // The file replaced by a directory: the server's open connections keep working, a new one cannot open.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        #expect(throws: (any Error).self) { try store.makeCheckpointer() }
    }
}
