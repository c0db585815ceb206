import Foundation
import GRDB
import GatewayApp
import GatewayCore
import Logging
import GatewaySettings
import GatewaySQLite
import Testing

/// An audit trail in a real SQLite file, with its key file beside it as `serve` leaves one, for tests that tamper
/// with the file as someone with write access but without the gateway secret would, and then run the real CLI on it.
final class TamperableTrail: Sendable {
    let directory: URL
    let storage: GatewayStorage
    /// Record `n`'s time: `start` + n seconds, so that a prune can cut between any two records.
    let start = Date().addingTimeInterval(-3600)

    var path: String { directory.appendingPathComponent("gateway.sqlite").path }
    var database: String { "sqlite:" + path }
    var store: SQLiteStore { storage.repositories.health as! SQLiteStore }
    var key: AuditCheckpointKey { storage.checkpointSigner.publicKey }

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-tamper-\(UUID().uuidString)")
        var settings = GatewaySettings()
        settings.database = .sqlite(path: directory.appendingPathComponent("gateway.sqlite").path)
        storage = try await GatewayStorage.open(settings, creating: true, logger: Logger(label: "test"))
    }

    /// The trail most tests start from: records 1…10, signed at 5 (checkpoint #1) and at 10 (checkpoint #2).
    static func signedAtFiveAndTen() async throws -> TamperableTrail {
        let trail = try await TamperableTrail()
        try await trail.append(5)
        #expect(try await trail.sign() == 1)
        try await trail.append(5)
        #expect(try await trail.sign() == 2)
        return trail
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func append(_ count: Int) async throws {
        let next = Int(try await records().last?.seq ?? 0) + 1
        try store.appendAudit((next..<(next + count)).map { seq in
            AuditRecord(
                time: time(of: seq), requestId: "req-\(seq)", method: "GET", route: "GET /contacts/{contactId}",
                path: "/contacts/c\(seq)", status: 200, outcome: .ok, keyId: "k1", keyName: "reader", role: "reader",
                locationId: "loc-1", contactId: "c\(seq)", upstreamStatus: 200, upstreamAttempts: 1, durationMs: 1.5)
        })
    }

    func time(of seq: Int) -> Date { start.addingTimeInterval(Double(seq)) }

    /// Signs as a gateway's checkpoint service would; the new row's id, if one was written.
    @discardableResult
    func sign(node: String = "gw-test") async throws -> Int64? {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        return try await store.signAuditCheckpoint(signer: storage.checkpointSigner, node: node, nowMs: nowMs).id
    }

    func records() async throws -> [AuditRecord] {
        try await store.auditRecords(matching: AuditQuery(), ascending: true, limit: 1_000_000)
    }

    /// SQL on the file from a connection of its own: another process, as far as the store can tell.
    func tamper(_ sql: String, arguments: StatementArguments = []) throws {
        try queue().write { db in try db.execute(sql: sql, arguments: arguments) }
    }

    /// Changes record `seq` and recomputes the chain from it on with the project's own hash, as an intruder who read
    /// docs/audit.md would: the chain alone then holds.
    func rewrite(_ seq: Int64, _ change: (inout AuditRecord) -> Void) async throws {
        var records = try await self.records().filter { $0.seq >= seq }
        var previous = records.first?.prevHash ?? AuditChain.genesis
        for index in records.indices {
            if index == 0 { change(&records[index]) }
            records[index].prevHash = previous
            records[index].hash = AuditChain.hash(of: records[index])
            previous = records[index].hash
        }
        let rewritten = records
        try await queue().write { db in
            for record in rewritten {
                try db.execute(
                    sql: "UPDATE audit_records SET path = ?, status = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    arguments: [record.path, record.status, record.prevHash, record.hash, record.seq])
            }
        }
    }

    /// A checkpoint signed with another gateway secret, written into the table as if it were the gateway's.
    func insertForeignCheckpoint(at seq: Int64) async throws {
        let hash = try #require(try await records().first { $0.seq == seq }).hash
        let other = AuditCheckpointSigner(secret: GatewaySecret.generate())
        let note = try other.sign(AuditCheckpoint(seq: seq, hash: hash, node: "gw-test", timeMs: 1_800_000_000_000, pruned: 0))
        try tamper("INSERT INTO audit_signed_checkpoints (seq, note) VALUES (?, ?)", arguments: [seq, note.rendered])
    }

    /// `audit verify` by the built executable, on this file.
    func verify(_ extra: [String] = []) async throws -> Executable.Result {
        try await CLI.run(["audit", "verify"] + extra, database: database)
    }

    func cli(_ arguments: [String]) async throws -> Executable.Result {
        try await CLI.run(arguments, database: database)
    }

    private func queue() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}
