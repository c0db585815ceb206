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
    public func journalAudit(indexEvery interval: Duration, logger: Logger) throws {
        try indexOrphanJournals()
        let indexer = try AuditJournalIndexer(directory: auditJournalDirectory, interval: interval, logger: logger) {
            [pool] records, journal, through, finished in
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try Self.insertChained(records[...], db)
                    if !records.isEmpty {
                        try db.execute(
                            sql: """
                                INSERT INTO audit_journal_progress (journal, indexed) VALUES (?, ?)
                                ON CONFLICT (journal) DO UPDATE SET indexed = excluded.indexed
                                """,
                            arguments: [journal, through])
                    }
                    for name in finished {
                        try db.execute(sql: "DELETE FROM audit_journal_progress WHERE journal = ?", arguments: [name])
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

    /// Indexes the journals of processes that ended (a crash, a kill) from where each had got to, and removes them.
    /// Returns how many records that wrote. A journal that cannot be indexed now is left for the next try.
    @discardableResult
    public func indexOrphanJournals() throws -> Int {
        var written = 0
        for orphan in AuditJournal.orphans(in: auditJournalDirectory) {
            let records = AuditJournalFrame.decode(orphan.bytes).records
            do {
                try pool.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        let done = try Int.fetchOne(
                            db, sql: "SELECT indexed FROM audit_journal_progress WHERE journal = ?",
                            arguments: [orphan.name]) ?? 0
                        if done < records.count {
                            try Self.insertChained(records[done...], db)
                            written += records.count - done
                        }
                        // Kept until the file is gone: another process may have opened the file before it is
                        // removed, and must find it all indexed.
                        try db.execute(
                            sql: """
                                INSERT INTO audit_journal_progress (journal, indexed) VALUES (?, ?)
                                ON CONFLICT (journal) DO UPDATE SET indexed = excluded.indexed
                                """,
                            arguments: [orphan.name, records.count])
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
