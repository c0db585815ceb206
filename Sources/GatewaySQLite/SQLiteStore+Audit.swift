import Foundation
import GRDB
import GatewayCore
import Synchronization

/// The audit trail's table: appended in batches by the server's writer, read by reviews, pruned by admins.
extension SQLiteStore: AuditRepository {
    /// Durable when it returns: in this process's journal when it keeps one
    /// (``journalAudit(indexEvery:size:logger:)``), which writes the records into the table behind it; else in the
    /// table.
    public func appendAudit(_ events: [AuditRecord]) throws {
        guard !events.isEmpty else { return }
        if let journal = auditJournal.withLock({ $0 }) {
            try journal.append(events)
            return
        }
        try pool.writeWithoutTransaction { db in
            // IMMEDIATE: take the write lock before reading the tail, so that another process appending to the same
            // file (a second gateway, a prune) cannot slip a record in between and fork the chain.
            try db.inTransaction(.immediate) {
                try Self.insertChained(events[...], db)
                return .commit
            }
        }
    }

    /// Chains `events` after the trail's last record and inserts them; inside an IMMEDIATE transaction.
    static func insertChained(_ events: ArraySlice<AuditRecord>, _ db: Database) throws {
        guard !events.isEmpty else { return }
        var (seq, prevHash) = try auditTail(db)
        let insert = AuditInsert(try db.cachedStatement(sql: auditInsertSQL))
        for event in events {
            seq += 1
            let record = event.chained(seq: seq, prevHash: prevHash)
            try insert.execute(record, in: db)
            prevHash = record.hash
        }
    }

    public func probeAuditWritable() async throws {
        try await pool.writeWithoutTransaction { db in
            // A short busy wait (1 s, not the 5 s of writes): long enough to outlast another writer's commit on a busy
            // disk, short enough that a locked store is refused quickly.
            try db.execute(sql: "PRAGMA busy_timeout = 1000")
            defer { try? db.execute(sql: "PRAGMA busy_timeout = 5000") }
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "ROLLBACK")
        }
    }

    /// The last record's seq and hash, else the prune checkpoint's, else the start of the chain.
    static func auditTail(_ db: Database) throws -> (Int64, String) {
        // Cached statements: read once per batch, parsing and authorizing this SQL every time showed in the profile.
        let last = try db.cachedStatement(sql: "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1")
        if let row = try Row.fetchOne(last) {
            return (row[0], row[1])
        }
        if let boundary = try pruneBoundary(db) { return (boundary.seq, boundary.hash) }
        return (0, AuditChain.genesis)
    }

    /// The prune checkpoint: the last pruned record's seq and hash (`audit_checkpoint`, one row at most).
    static func pruneBoundary(_ db: Database) throws -> (seq: Int64, hash: String)? {
        let statement = try db.cachedStatement(sql: "SELECT seq, hash FROM audit_checkpoint WHERE id = 1")
        return try Row.fetchOne(statement).map { (seq: $0[0], hash: $0[1]) }
    }

    public struct AuditPruneBoundary: Sendable, Equatable {
        public var seq: Int64
        public var hash: String
        public var prunedBeforeMs: Int64
    }

    public func auditPruneBoundary() async throws -> AuditPruneBoundary? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT seq, hash, pruned_before_ms FROM audit_checkpoint WHERE id = 1").map {
                AuditPruneBoundary(seq: $0[0], hash: $0[1], prunedBeforeMs: $0[2])
            }
        }
    }

    /// Records matching `query`: newest first below `beforeSeq`, or oldest first above `afterSeq`.
    public func auditRecords(
        matching query: AuditQuery, afterSeq: Int64?, beforeSeq: Int64?, ascending: Bool, limit: Int
    ) async throws -> [AuditRecord] {
        await auditJournalIndexed()
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            conditions.append(condition)
            arguments.append(value)
        }
        add("key_id = ?", query.keyId)
        add("location_id = ?", query.locationId)
        add("contact_id = ?", query.contactId)
        add("route = ?", query.route)
        add("outcome = ?", query.outcome?.rawValue)
        add("status = ?", query.status)
        add("time_ms >= ?", query.sinceMs)
        add("time_ms < ?", query.untilMs)
        add("seq > ?", afterSeq)
        add("seq < ?", beforeSeq)
        let sql = "SELECT \(Self.auditColumns) FROM audit_records"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY seq \(ascending ? "ASC" : "DESC") LIMIT \(max(0, limit))"
        let bound = StatementArguments(arguments)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: bound).map(Self.auditRecord)
        }
    }

    /// Checks the whole trail: the chain from the prune checkpoint (if any) to the last record, and every signed
    /// checkpoint (and `external`, one kept elsewhere) against it, in one read snapshot (so a concurrent append or
    /// prune cannot make it see half a change) and through cursors (so memory stays flat).
    public func verifyAudit(key: AuditCheckpointKey, external: AuditTrailVerifier.Input?) async throws
        -> AuditVerification
    {
        await auditJournalIndexed()
        return try await pool.read { db in
            let boundary = try Self.pruneBoundary(db)
            var verifier = AuditTrailVerifier(key: key, boundary: boundary)
            var failure: AuditTrailVerifier.Failure?
            do {
                try Self.walk(db, through: nil, external: external, into: &verifier)
                try verifier.finish()
            } catch let broken as AuditTrailVerifier.Failure {
                failure = broken
            }
            return AuditVerification(
                checked: verifier.checked, firstFailure: failure, lastSeq: verifier.lastSeq,
                checkpointSeq: boundary?.seq, checkpointsChecked: verifier.checkpointsChecked,
                signedSeq: verifier.signedSeq)
        }
    }

    /// Feeds `verifier` the records (up to `lastSeq`, if given) and the checkpoints filed at or below them, merged in
    /// seq order as it needs them.
    static func walk(
        _ db: Database, through lastSeq: Int64?, external: AuditTrailVerifier.Input?,
        into verifier: inout AuditTrailVerifier
    ) throws {
        let limit = lastSeq ?? .max
        let records = try Row.fetchCursor(
            db, sql: "SELECT \(auditColumns) FROM audit_records WHERE seq <= ? ORDER BY seq", arguments: [limit])
        let checkpoints = try Row.fetchCursor(
            db, sql: "SELECT id, seq, note FROM audit_signed_checkpoints WHERE seq <= ? ORDER BY seq, id",
            arguments: [limit])
        var walk = try AuditTrailWalk(
            records: { try records.next().map(auditRecord) },
            checkpoints: {
                try checkpoints.next().map { AuditTrailVerifier.Input(source: .stored(id: $0[0]), filedSeq: $0[1], note: $0[2]) }
            },
            external: external)
        try walk.run(into: &verifier)
    }

    /// Deletes the records older than `beforeMs` (a prefix of the chain: it stops at the first newer record), leaves
    /// a prune checkpoint with the last deleted record's seq and hash so that what remains still verifies, and signs a
    /// checkpoint at that boundary in the same transaction, so that a prune checkpoint nobody signed shows.
    ///
    /// Refuses to prune a part of the trail that does not verify (its chain, and the checkpoints that cover it): that
    /// would hide the tampering. Checkpoints below the new boundary go with the records they covered.
    public func pruneAudit(beforeMs: Int64, nowMs: Int64, signer: AuditCheckpointSigner, node: String) async throws
        -> Int
    {
        await auditJournalIndexed()
        return try await pool.writeWithoutTransaction { db in
            var pruned = 0
            try db.inTransaction(.immediate) {
                let boundary = try Self.pruneBoundary(db)
                let firstKept = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM audit_records WHERE time_ms >= ?",
                                                   arguments: [beforeMs])
                let lastPruned: Int64? = try firstKept.map { $0 - 1 }
                    ?? Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_records")
                guard let lastPruned, lastPruned > (boundary?.seq ?? 0) else { return .rollback }
                var verifier = AuditTrailVerifier(key: signer.publicKey, boundary: boundary)
                do {
                    try Self.walk(db, through: lastPruned, external: nil, into: &verifier)
                    try verifier.finish()
                } catch let broken as AuditTrailVerifier.Failure {
                    throw AuditPruneRefused(failure: broken)
                }
                guard verifier.checked > 0 else { return .rollback }
                let hash = verifier.lastHash
                try db.execute(sql: "DELETE FROM audit_records WHERE seq <= ?", arguments: [lastPruned])
                try db.execute(sql: """
                    INSERT INTO audit_checkpoint (id, seq, hash, pruned_before_ms, pruned_at_ms) VALUES (1, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
                        pruned_before_ms = excluded.pruned_before_ms, pruned_at_ms = excluded.pruned_at_ms
                    """, arguments: [lastPruned, hash, beforeMs, nowMs])
                let checkpoint = AuditCheckpoint(seq: lastPruned, hash: hash, node: node, timeMs: nowMs, pruned: lastPruned)
                try Self.insertCheckpoint(try signer.sign(checkpoint), seq: lastPruned, in: db)
                try db.execute(sql: "DELETE FROM audit_signed_checkpoints WHERE seq < ?", arguments: [lastPruned])
                pruned = verifier.checked
                return .commit
            }
            return pruned
        }
    }

    /// The columns of ``AuditRecord/fields``, in their order.
    static let auditColumns = AuditRecord.fields.map(\.column).joined(separator: ", ")

    static let auditInsertSQL = "INSERT INTO audit_records (\(auditColumns)) VALUES ("
        + Array(repeating: "?", count: AuditRecord.fields.count).joined(separator: ", ") + ")"

    /// A row selected with ``auditColumns``.
    static func auditRecord(_ row: Row) -> AuditRecord {
        var record = AuditRecord.blank
        for (index, field) in AuditRecord.fields.enumerated() {
            switch field.kind {
            case .text: field.assign(.text(row[index]), to: &record)
            case .integer, .time, .duration: field.assign(.integer(row[index]), to: &record)
            }
        }
        return record
    }
}
