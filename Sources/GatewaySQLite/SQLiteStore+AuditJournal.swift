import Foundation
import GRDB
import GatewayCore
import Synchronization
import Logging

/// The audit journal of a serving process (``AuditJournal``, ``AuditJournalIndexer``), and the journals that ended
/// processes left: `<database>-audit-journal/`, one file a process, progress in `audit_journal_progress`.
extension SQLiteStore {
    var auditJournalDirectory: String { path + "-audit-journal" }

    /// From now on, records are durable in this process's own journal and written into the table behind it, every
    /// `interval`. For `serve`; short commands write no records. Journals of processes that ended are indexed first.
    /// `size`: preallocated; the journal is written again from its start once half of it is in the table.
    public func journalAudit(indexEvery interval: Duration, size: Int, logger: Logger) throws {
        try indexOrphanJournals()
        // A connection of its own, `synchronous = NORMAL`: its commits do not wait for the disk, since the journal
        // holds their records until one of them is durable (`durable`: before the journal starts again, or goes).
        var configuration = Configuration()
        configuration.label = "audit-indexer"
        configuration.busyMode = .timeout(5)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        try connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        let indexer = try AuditJournalIndexer(
            directory: auditJournalDirectory, interval: interval, size: size, logger: logger
        ) {
            records, journal, epoch, through, remove, durable in
            try connection.writeWithoutTransaction { db in
                try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
                try db.inTransaction(.immediate) {
                    try Self.insertChained(records[...], db)
                    if remove {
                        try db.execute(sql: "DELETE FROM audit_journal_progress WHERE journal = ?", arguments: [journal])
                    } else {
                        try Self.recordProgress(journal, epoch: epoch, indexed: through, db)
                    }
                    return .commit
                }
            }
        }
        auditJournal.withLock { $0 = indexer }
    }

    /// Writes what the journal holds into the table and removes it: at a clean shutdown.
    public func closeAuditJournal() {
        let indexer = auditJournal.withLock { journal -> AuditJournalIndexer? in
            defer { journal = nil }
            return journal
        }
        indexer?.close()
    }

    /// Before reading the trail: waits until every record this process's journal took is in the table, and writes
    /// in what the journals of processes that ended hold (a gateway killed while this one runs).
    func auditJournalIndexed() async {
        await auditJournal.withLock({ $0 })?.indexed()
        // A read goes on without them when they cannot be written now (the next reader tries again).
        _ = try? indexOrphanJournals()
    }

    static func recordProgress(_ journal: String, epoch: UInt32, indexed: Int64, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO audit_journal_progress (journal, epoch, indexed) VALUES (?, ?, ?)
                ON CONFLICT (journal) DO UPDATE SET epoch = excluded.epoch, indexed = excluded.indexed
                """,
            arguments: [journal, Int64(epoch), indexed])
    }

    /// Indexes the journals of processes that ended (a crash, a kill) from where each had got to, and removes them.
    /// Returns how many records that wrote. A journal that cannot be indexed now is left for the next try.
    @discardableResult
    public func indexOrphanJournals() throws -> Int {
        var written = 0
        for orphan in AuditJournal.orphans(in: auditJournalDirectory) {
            let (records, epoch, _) = AuditJournalFrame.decode(orphan.bytes)
            do {
                try pool.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        let progress = try Row.fetchOne(
                            db, sql: "SELECT epoch, indexed FROM audit_journal_progress WHERE journal = ?",
                            arguments: [orphan.name])
                        // A journal is written again from its start (a new epoch) only once all of it is in SQLite:
                        // none of a newer epoch than its progress row names is; all of an older one is.
                        let indexedEpoch: Int64 = progress?[0] ?? 0
                        let done = indexedEpoch == Int64(epoch) ? min(progress?[1] ?? 0, records.count)
                            : indexedEpoch > Int64(epoch) ? records.count : 0
                        if done < records.count {
                            try Self.insertChained(records[done...], db)
                            written += records.count - done
                        }
                        // Kept until the file is gone: another process may have opened the file before it is
                        // removed, and must find it all indexed.
                        try Self.recordProgress(orphan.name, epoch: epoch, indexed: Int64(records.count), db)
                        return .commit
                    }
                }
            } catch {
                orphan.release()
                throw error
            }
            orphan.remove()
        }
        // Progress rows of journals no longer there; read first, so that a reader with nothing to clean writes nothing.
        let present = AuditJournal.names(in: auditJournalDirectory)
        let stale = try pool.read { db in
            try String.fetchAll(db, sql: "SELECT journal FROM audit_journal_progress").filter { !present.contains($0) }
        }
        if !stale.isEmpty {
            try pool.write { db in
                for name in stale {
                    try db.execute(sql: "DELETE FROM audit_journal_progress WHERE journal = ?", arguments: [name])
                }
            }
        }
        return written
    }
}
