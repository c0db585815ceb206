import Dispatch
import GatewayCore
import Logging
import Synchronization

/// Takes audit records into this process's ``AuditJournal`` (durable when `append` returns) and writes them into
/// SQLite behind it, every `interval` or once `batch` are waiting, in one transaction each, where they are chained as
/// before. In-process readers call ``indexed()`` first; readers in other processes see a record up to one interval
/// late.
///
/// `append` is called from one thread at a time (the audit trail's writer); indexing runs on a queue of its own.
final class AuditJournalIndexer: Sendable {
    /// Writes records into SQLite with the journal's progress, in one transaction: `through` is how many frames of
    /// `journal`'s `epoch` are then in SQLite; `remove`: the journal is gone, and its progress row can go. `durable`:
    /// the commit must survive power loss (before the journal is written again from its start, or removed); other
    /// commits need not, since what they hold is in the journal until then.
    typealias Index = @Sendable (
        _ records: [AuditRecord], _ journal: String, _ epoch: UInt32, _ through: Int64, _ remove: Bool,
        _ durable: Bool
    ) throws -> Void

    private struct State {
        var journal: AuditJournal
        var pending: [AuditRecord] = []
        /// Frames of the journal's current epoch in SQLite.
        var indexedFrames: Int64 = 0
        /// Whether the last commit of them was durable: the journal is written again from its start only then.
        var indexedDurably = true
        var lastFailure: String?
        /// Shutting down: every commit from now on is durable.
        var closing = false
        var closed = false
    }

    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "contacts-gateway.audit-indexer", qos: .utility)
    // Set up in `init`, then only cancelled (DispatchSource is thread-safe, but not marked Sendable).
    private nonisolated(unsafe) let timer: any DispatchSourceTimer
    private let directory: String
    private let index: Index
    private let batch: Int
    /// Past this many records not yet in SQLite, appends are refused: the trail then refuses requests, as it does
    /// when the store cannot be written.
    private let backlogLimit: Int
    /// A journal this long, all of it in SQLite, is written again from its start.
    private let wrapAfter: Int
    private let logger: Logger

    init(
        directory: String, interval: Duration, size: Int, batch: Int = 1024, backlogLimit: Int = 100_000,
        logger: Logger, index: @escaping Index
    ) throws {
        self.directory = directory
        self.index = index
        self.batch = batch
        self.backlogLimit = backlogLimit
        // Half of it: the records that come in while the last of them is written into the table fit in the rest.
        self.wrapAfter = size / 2
        self.logger = logger
        state = Mutex(State(journal: try AuditJournal.create(in: directory, chunk: size)))
        timer = DispatchSource.makeTimerSource(queue: queue)
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000
            + Int(interval.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
        timer.setEventHandler { [weak self] in self?.indexPending() }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// The journal's name and epoch: for tests.
    var journalEpoch: (name: String, epoch: UInt32) { state.withLock { ($0.journal.name, $0.journal.epoch) } }

    func append(_ records: [AuditRecord]) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.count * 512)
        let journal = try state.withLock { s -> AuditJournal in
            guard !s.closed else { throw Refused(reason: "the audit journal is closed") }
            guard s.pending.count + records.count <= backlogLimit else {
                throw Refused(
                    reason: "\(s.pending.count) audit records wait to be written into the database: "
                        + (s.lastFailure ?? "it is not keeping up"))
            }
            if s.journal.end >= wrapAfter, s.pending.isEmpty, s.indexedDurably {
                s.journal.wrap()
                s.indexedFrames = 0
            }
            return s.journal
        }
        // The epoch cannot change before this append is pending: only appends wrap, one at a time.
        for record in records { AuditJournalFrame.encode(record, epoch: journal.epoch, into: &bytes) }
        // Outside the lock: indexing must not wait for this fdatasync.
        try journal.write(bytes)
        let due = state.withLock { s -> Bool in
            s.journal.advance(by: bytes.count)
            s.pending.append(contentsOf: records)
            return s.pending.count >= batch || s.journal.end >= wrapAfter
        }
        if due { queue.async { self.indexPending() } }
    }

    /// Returns once every record appended before the call is in SQLite (or indexing it failed).
    func indexed() async {
        await withCheckedContinuation { done in
            queue.async {
                self.indexPending()
                done.resume()
            }
        }
    }

    /// Indexes what is left; if all of it is in SQLite, removes the journal (and its progress row). For a clean
    /// shutdown: a process that skips it leaves a journal that the next process to open the store indexes.
    func close() {
        queue.sync {
            // One durable commit first, even of nothing: it makes the commits before it durable too (they share the
            // write-ahead log), and only then may the journal go.
            state.withLock { $0.closing = true }
            indexPending(always: true)
            let journal = state.withLock { s -> AuditJournal? in
                guard s.pending.isEmpty, s.indexedDurably else { return nil }
                s.closed = true
                return s.journal
            }
            guard let journal else {
                logger.error("audit records left in the journal: the next start writes them into the database")
                return
            }
            journal.remove()
            // A progress row left by a failure here names no file, and the next reader drops it.
            try? index([], journal.name, journal.epoch, 0, true, false)
        }
        timer.cancel()
    }

    private func indexPending(always: Bool = false) {
        let (records, name, epoch, through, durable) = state.withLock { s in
            (s.pending, s.journal.name, s.journal.epoch, s.indexedFrames + Int64(s.pending.count),
             s.journal.end >= wrapAfter || s.closing)
        }
        if !records.isEmpty || always {
            do {
                try index(records, name, epoch, through, false, durable)
                state.withLock { s in
                    s.pending.removeFirst(records.count)
                    s.indexedFrames = through
                    s.indexedDurably = durable
                    s.lastFailure = nil
                }
            } catch {
                let first = state.withLock { s -> Bool in
                    defer { s.lastFailure = "\(error)" }
                    return s.lastFailure == nil
                }
                if first {
                    logger.error(
                        "audit records not yet written into the database (they are safe in the journal)",
                        metadata: ["records": "\(records.count)", "error": "\(error)"])
                }
            }
        }
    }

    struct Refused: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }
}
