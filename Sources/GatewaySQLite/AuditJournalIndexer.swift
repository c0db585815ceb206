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
    /// Writes records into SQLite with the journal's progress, in one transaction: `through` is how many of
    /// `journal`'s frames are then in SQLite; `finished` are journals removed, whose progress rows can go.
    typealias Index = @Sendable (_ records: [AuditRecord], _ journal: String, _ through: Int64, _ finished: [String])
        throws -> Void

    private struct State {
        var journal: AuditJournal
        /// Made ahead on the indexer's queue, so that no append waits for a file to be preallocated.
        var spare: AuditJournal?
        var pending: [AuditRecord] = []
        var indexedFrames: Int64 = 0
        var finished: [String] = []
        var lastFailure: String?
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
    /// A journal this long, all of it in SQLite, is replaced by its spare and removed.
    private let rotateAfter: Int
    /// How much of a journal is preallocated at a time.
    private let chunk: Int
    private let logger: Logger

    init(
        directory: String, interval: Duration, batch: Int = 1024, backlogLimit: Int = 100_000,
        rotateAfter: Int = 8 << 20, chunk: Int = 16 << 20, logger: Logger, index: @escaping Index
    ) throws {
        self.directory = directory
        self.index = index
        self.batch = batch
        self.backlogLimit = backlogLimit
        self.rotateAfter = rotateAfter
        self.chunk = chunk
        self.logger = logger
        state = Mutex(State(journal: try AuditJournal.create(in: directory, chunk: chunk)))
        timer = DispatchSource.makeTimerSource(queue: queue)
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000
            + Int(interval.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
        timer.setEventHandler { [weak self] in self?.indexPending() }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// The name of the journal being written: for tests.
    var journalName: String { state.withLock { $0.journal.name } }

    func append(_ records: [AuditRecord]) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.count * 512)
        for record in records { AuditJournalFrame.encode(record, into: &bytes) }
        let journal = try state.withLock { s -> AuditJournal in
            guard !s.closed else { throw Refused(reason: "the audit journal is closed") }
            guard s.pending.count + records.count <= backlogLimit else {
                throw Refused(
                    reason: "\(s.pending.count) audit records wait to be written into the database: "
                        + (s.lastFailure ?? "it is not keeping up"))
            }
            if s.journal.end >= rotateAfter, s.pending.isEmpty, let spare = s.spare {
                s.journal.remove()
                s.finished.append(s.journal.name)
                s.journal = spare
                s.spare = nil
                s.indexedFrames = 0
            }
            return s.journal
        }
        // Outside the lock: indexing must not wait for this fdatasync.
        try journal.append(bytes)
        let due = state.withLock { s -> Bool in
            s.pending.append(contentsOf: records)
            return s.pending.count >= batch || (s.journal.end >= rotateAfter / 2 && s.spare == nil)
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
            indexPending()
            let (journal, spare, finished) = state.withLock { s -> (AuditJournal?, AuditJournal?, [String]) in
                guard s.pending.isEmpty else { return (nil, nil, []) }
                s.closed = true
                defer { s.spare = nil }
                return (s.journal, s.spare, s.finished + [s.journal.name])
            }
            guard let journal else {
                logger.error("audit records left in the journal: the next start writes them into the database")
                return
            }
            journal.remove()
            spare?.remove()
            try? index([], journal.name, 0, finished)
        }
        timer.cancel()
    }

    private func indexPending() {
        let (records, name, through, finished) = state.withLock { s in
            (s.pending, s.journal.name, s.indexedFrames + Int64(s.pending.count), s.finished)
        }
        if !records.isEmpty || !finished.isEmpty {
            do {
                try index(records, name, through, finished)
                state.withLock { s in
                    s.pending.removeFirst(records.count)
                    s.indexedFrames = through
                    s.finished.removeFirst(finished.count)
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
        prepareSpare()
    }

    private func prepareSpare() {
        let wanted = state.withLock { !$0.closed && $0.spare == nil && $0.journal.end >= rotateAfter / 2 }
        guard wanted else { return }
        do {
            let spare = try AuditJournal.create(in: directory, chunk: chunk)
            let unused = state.withLock { s -> AuditJournal? in
                if s.closed || s.spare != nil { return spare }
                s.spare = spare
                return nil
            }
            unused?.remove()
        } catch {
            logger.warning("cannot prepare the next audit journal", metadata: ["error": "\(error)"])
        }
    }

    struct Refused: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }
}
