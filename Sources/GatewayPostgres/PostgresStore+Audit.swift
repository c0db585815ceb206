import Foundation
import GatewayCore
import PostgresNIO

/// The audit trail: one chain for every gateway on the database, serialized by a transaction-scoped advisory lock.
///
/// Each append takes the lock, reads the tail (the last record, else the prune boundary) and inserts its batch after
/// it, then commits: batches from several nodes interleave, never fork. The lock is held for one batch (a few round
/// trips), which bounds the trail's throughput by the round trip, not by the number of nodes; batching (the trail's
/// writer groups what arrives while a commit is in flight) is what keeps records/s high.
extension PostgresStore: AuditRepository {
    /// The advisory lock that serializes appends, checkpoint signing and prunes.
    static let auditLockKey: Int64 = 0x4347_5750_4155_4454  // "CGWPAUDT"

    /// The columns of ``AuditRecord/fields``, in their order.
    static let auditColumns = AuditRecord.fields.map(\.column).joined(separator: ", ")

    /// The tail the next record chains on: the last record, else the prune boundary (none: the genesis).
    static let auditTailSQL = """
        SELECT seq, hash FROM (
            (SELECT seq, hash, 0 AS rank FROM audit_records ORDER BY seq DESC LIMIT 1)
            UNION ALL SELECT seq, hash, 1 FROM audit_checkpoint WHERE id = 1
        ) AS tail ORDER BY rank LIMIT 1
        """

    /// Records per INSERT: one parameter per field each, well under the protocol's 65,535.
    static let auditInsertChunk = 1_000

    public func appendAudit(_ events: [AuditRecord]) throws {
        guard !events.isEmpty else { return }
        try writer.run { session in
            try session.transaction {
                try session.query("SELECT pg_advisory_xact_lock(\(Self.auditLockKey))")
                var (seq, prevHash) = (Int64(0), AuditChain.genesis)
                for row in try session.query(PostgresQuery(unsafeSQL: Self.auditTailSQL)) {
                    (seq, prevHash) = try row.decode((Int64, String).self)
                }
                var start = events.startIndex
                while start < events.endIndex {
                    let end = min(start + Self.auditInsertChunk, events.endIndex)
                    var records: [AuditRecord] = []
                    records.reserveCapacity(end - start)
                    for event in events[start..<end] {
                        seq += 1
                        let record = event.chained(seq: seq, prevHash: prevHash)
                        records.append(record)
                        prevHash = record.hash
                    }
                    try session.query(Self.auditInsert(records))
                    start = end
                }
            }
        }
    }

    static func auditInsert(_ records: [AuditRecord]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: records.count * AuditRecord.fields.count)
        var tuples: [String] = []
        tuples.reserveCapacity(records.count)
        var index = 0
        for record in records {
            var placeholders: [String] = []
            for field in AuditRecord.fields {
                index += 1
                placeholders.append("$\(index)")
                switch field.value(of: record) {
                case .text(let text): binds.append(text)
                case .integer(let number): binds.append(number)
                }
            }
            tuples.append("(" + placeholders.joined(separator: ",") + ")")
        }
        return PostgresQuery(
            unsafeSQL: "INSERT INTO audit_records (\(auditColumns)) VALUES " + tuples.joined(separator: ","),
            binds: binds)
    }

    /// Fails within about a second when no append could commit now: the database is unreachable or read-only (a
    /// standby), or the trail's lock is held that long. Writes nothing.
    public func probeAuditWritable() async throws {
        let logger = logger
        try await pooled { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SET LOCAL lock_timeout = '1s'", logger: logger)
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.auditLockKey))", logger: logger)
                let writable = try await connection.rows(
                    "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'",
                    logger: logger
                ).first?.decode(Bool.self) ?? false
                try await connection.query("ROLLBACK", logger: logger)
                guard writable else { throw Unavailable(description: "the database is read-only") }
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    public func auditRecords(
        matching query: AuditQuery, afterSeq: Int64?, beforeSeq: Int64?, ascending: Bool, limit: Int
    ) async throws -> [AuditRecord] {
        var conditions: [String] = []
        var binds = PostgresBindings()
        func text(_ column: String, _ op: String, _ value: String?) {
            guard let value else { return }
            binds.append(value)
            conditions.append("\(column) \(op) $\(binds.count)")
        }
        func integer(_ column: String, _ op: String, _ value: Int64?) {
            guard let value else { return }
            binds.append(value)
            conditions.append("\(column) \(op) $\(binds.count)")
        }
        text("key_id", "=", query.keyId)
        text("location_id", "=", query.locationId)
        text("contact_id", "=", query.contactId)
        text("route", "=", query.route)
        text("outcome", "=", query.outcome?.rawValue)
        integer("status", "=", query.status.map(Int64.init))
        integer("time_ms", ">=", query.sinceMs)
        integer("time_ms", "<", query.untilMs)
        integer("seq", ">", afterSeq)
        integer("seq", "<", beforeSeq)
        let sql = "SELECT \(Self.auditColumns) FROM audit_records"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY seq \(ascending ? "ASC" : "DESC") LIMIT \(max(0, limit))"
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds)).map(Self.auditRecord)
    }

    /// Checks the whole trail in one REPEATABLE READ snapshot (a concurrent append or prune cannot make it see half a
    /// change), reading records a page at a time (memory stays flat).
    public func verifyAudit(key: AuditCheckpointKey, external: AuditTrailVerifier.Input?) async throws
        -> AuditVerification
    {
        try await snapshot(.lease) { [self] connection in
            let boundary = try await Self.pruneBoundary(connection, logger: self.logger)
            var verifier = AuditTrailVerifier(key: key, boundary: boundary)
            var failure: AuditTrailVerifier.Failure?
            do {
                try await Self.walk(connection, through: nil, external: external, into: &verifier, logger: self.logger)
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

    /// Deletes the records older than `beforeMs` (a prefix of the chain), keeps the boundary so that the rest still
    /// verifies and signs a checkpoint at it, under the trail's lock in one transaction; see ``SQLiteStore`` for the
    /// same rules. Refuses a part that does not verify.
    public func pruneAudit(beforeMs: Int64, nowMs: Int64, signer: AuditCheckpointSigner, node: String) async throws
        -> Int
    {
        try await transaction(.lease) { [self] connection in
            let logger = self.logger
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.auditLockKey))", logger: logger)
            let boundary = try await Self.pruneBoundary(connection, logger: logger)
            let firstKept = try await connection.rows(
                "SELECT MIN(seq) FROM audit_records WHERE time_ms >= \(beforeMs)", logger: logger
            ).first?.decode(Int64?.self)
            let lastPruned: Int64?
            if let firstKept {
                lastPruned = firstKept - 1
            } else {
                lastPruned = try await connection.rows("SELECT MAX(seq) FROM audit_records", logger: logger)
                    .first?.decode(Int64?.self)
            }
            guard let lastPruned, lastPruned > (boundary?.seq ?? 0) else { return 0 }
            var verifier = AuditTrailVerifier(key: signer.publicKey, boundary: boundary)
            do {
                try await Self.walk(connection, through: lastPruned, external: nil, into: &verifier, logger: logger)
                try verifier.finish()
            } catch let broken as AuditTrailVerifier.Failure {
                throw AuditPruneRefused(failure: broken)
            }
            guard verifier.checked > 0 else { return 0 }
            let hash = verifier.lastHash
            try await connection.query("DELETE FROM audit_records WHERE seq <= \(lastPruned)", logger: logger)
            try await connection.query(
                """
                INSERT INTO audit_checkpoint (id, seq, hash, pruned_before_ms, pruned_at_ms)
                VALUES (1, \(lastPruned), \(hash), \(beforeMs), \(nowMs))
                ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
                    pruned_before_ms = excluded.pruned_before_ms, pruned_at_ms = excluded.pruned_at_ms
                """, logger: logger)
            let checkpoint = AuditCheckpoint(seq: lastPruned, hash: hash, node: node, timeMs: nowMs, pruned: lastPruned)
            try await Self.insertCheckpoint(try signer.sign(checkpoint), seq: lastPruned, on: connection, logger: logger)
            try await connection.query(
                "DELETE FROM audit_signed_checkpoints WHERE seq < \(lastPruned)", logger: logger)
            return verifier.checked
        }
    }

    /// The prune boundary: the last pruned record's seq and hash (`audit_checkpoint`, one row at most).
    static func pruneBoundary(_ connection: PostgresConnection, logger: Logger) async throws
        -> (seq: Int64, hash: String)?
    {
        try await connection.rows("SELECT seq, hash FROM audit_checkpoint WHERE id = 1", logger: logger).first.map {
            let (seq, hash) = try $0.decode((Int64, String).self)
            return (seq: seq, hash: hash)
        }
    }

    /// Feeds `verifier` the records (up to `lastSeq`, if given) and the checkpoints filed at or below them, merged in
    /// seq order. Records are read a page at a time: the walk's reader is synchronous, so when a page runs out it
    /// stops the walk (``RecordPages/End``), the next page is read, and the same walk goes on where it stopped.
    static func walk(
        _ connection: PostgresConnection, through lastSeq: Int64?, external: AuditTrailVerifier.Input?,
        into verifier: inout AuditTrailVerifier, logger: Logger
    ) async throws {
        let limit = lastSeq ?? .max
        let checkpoints = try await connection.rows(
            "SELECT id, seq, note FROM audit_signed_checkpoints WHERE seq <= \(limit) ORDER BY seq, id", logger: logger
        ).map { row in
            let (id, seq, note) = try row.decode((Int64, Int64, String).self)
            return AuditTrailVerifier.Input(source: .stored(id: id), filedSeq: seq, note: note)
        }
        var stored = checkpoints.makeIterator()
        let pages = RecordPages()
        try await pages.read(after: Int64.min, through: limit, on: connection, logger: logger)
        var walk = try AuditTrailWalk(records: { try pages.next() }, checkpoints: { stored.next() }, external: external)
        while true {
            do {
                try walk.run(into: &verifier)
                return
            } catch is RecordPages.End {
                try await pages.read(after: pages.lastSeq, through: limit, on: connection, logger: logger)
            }
        }
    }

    /// Records in seq order, one page in memory at a time.
    final class RecordPages {
        struct End: Error {}
        static let size = 5_000
        private var page: [AuditRecord] = []
        private var index = 0
        private var more = true
        private(set) var lastSeq = Int64.min

        func read(after seq: Int64, through limit: Int64, on connection: PostgresConnection, logger: Logger)
            async throws
        {
            page = try await connection.rows(
                PostgresQuery(
                    unsafeSQL: "SELECT \(auditColumns) FROM audit_records WHERE seq > \(seq) AND seq <= \(limit) "
                        + "ORDER BY seq LIMIT \(Self.size)"), logger: logger
            ).map(auditRecord)
            index = 0
            more = page.count == Self.size
            lastSeq = page.last?.seq ?? seq
        }

        func next() throws -> AuditRecord? {
            if index < page.count {
                defer { index += 1 }
                return page[index]
            }
            if more { throw End() }
            return nil
        }
    }

    /// A row selected with ``auditColumns``.
    static func auditRecord(_ row: PostgresRow) throws -> AuditRecord {
        var record = AuditRecord.blank
        let cells = row.makeRandomAccess()
        for (index, field) in AuditRecord.fields.enumerated() {
            switch field.kind {
            case .text: field.assign(.text(try cells[index].decode(String?.self)), to: &record)
            case .integer, .time, .duration: field.assign(.integer(try cells[index].decode(Int64?.self)), to: &record)
            }
        }
        return record
    }

    /// `body` in a REPEATABLE READ, read-only transaction: one snapshot of the whole database.
    func snapshot<T: Sendable>(
        _ bound: Bound = .answer, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = logger
        return try await pooled(bound) { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}
