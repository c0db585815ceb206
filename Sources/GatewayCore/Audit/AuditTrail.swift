import Dispatch
import Foundation
import Logging
import Synchronization

/// The durable audit trail: every request's record goes through here to the ledger.
///
/// Group commit: callers queue their events; one writer thread takes everything queued so far and commits it in one
/// transaction, then resumes those callers. While it writes, new events queue up for the next batch, so under load a
/// transaction (and its fsync) is shared by many requests, and when idle a record is written at once.
///
/// - `commit` durability: `record` returns only after the batch holding its event committed, and throws if it did not.
/// - `async` durability: `record` returns at once. The risk: events still queued when the process dies (crash,
///   SIGKILL, power loss) are lost, so a client may hold a response the trail never recorded; a store that stays
///   unwritable makes the queue grow to `asyncQueueLimit`, past which the oldest events are dropped and logged.
public final class AuditTrail: AuditSink, Sendable {
    public enum Durability: String, Sendable, CaseIterable { case commit, async }

    private struct Pending {
        var event: AuditRecord
        var waiter: CheckedContinuation<Void, any Error>?
    }

    private struct State {
        var queue: [Pending] = []
        var writing = false
        /// When the batch being written started: a batch that takes too long means the store is stuck.
        var batchStarted: ContinuousClock.Instant?
        /// The last time the store took a write: a committed batch or a successful probe.
        var lastCommit: ContinuousClock.Instant?
        var probe: Task<Void, any Error>?
        var lastFailure: String?
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    public let durability: Durability
    private let ledger: any AuditLedger
    private let logger: Logger
    private let state = Mutex(State())
    private let writer = DispatchQueue(label: "contacts-gateway.audit-writer", qos: .userInitiated)
    private let maxBatch: Int
    private let asyncQueueLimit: Int
    /// How long the trail trusts its last successful commit before it probes the store again.
    private let trustFor: Duration
    /// A batch in flight for longer than this means the store is stuck (locked, slow disk).
    private let stuckAfter: Duration
    /// Written into every record that names no node.
    private let node: String?

    public init(
        ledger: any AuditLedger, durability: Durability = .commit, logger: Logger = Logger(label: "audit"),
        maxBatch: Int = 4096, asyncQueueLimit: Int = 100_000, trustFor: Duration = .seconds(1),
        stuckAfter: Duration = .seconds(1), node: String? = nil
    ) {
        self.node = node
        self.ledger = ledger
        self.durability = durability
        self.logger = logger
        self.maxBatch = maxBatch
        self.asyncQueueLimit = asyncQueueLimit
        self.trustFor = trustFor
        self.stuckAfter = stuckAfter
    }

    public func record(_ event: AuditRecord) async throws {
        var event = event
        if event.node == nil { event.node = node }
        switch durability {
        case .commit:
            try await withCheckedThrowingContinuation { waiter in enqueue(Pending(event: event, waiter: waiter)) }
        case .async:
            enqueue(Pending(event: event, waiter: nil))
        }
    }

    /// Fail closed: before the gateway acts on a request (calls HighLevel), the trail must be able to record it.
    /// Trusts a recent successful commit; otherwise probes the store, which fails fast when it is locked or read-only.
    public func ensureWritable() async throws {
        // `async` accepts losing records; it does not refuse requests for them.
        guard durability == .commit else { return }
        let now = ContinuousClock.now
        let (trusted, stuck) = state.withLock { s -> (Bool, Bool) in
            let stuck = s.batchStarted.map { now - $0 > stuckAfter } ?? false
            let trusted = s.lastFailure == nil && (s.lastCommit.map { now - $0 < trustFor } ?? false)
            return (trusted, stuck)
        }
        if stuck { throw Unwritable(reason: "a write to the audit store has not finished for over \(stuckAfter)") }
        if trusted { return }
        // One probe at a time: after an idle spell, a burst of requests shares it instead of queueing one each.
        let probe = state.withLock { s -> Task<Void, any Error> in
            if let running = s.probe { return running }
            let ledger = self.ledger
            let started = Task { try await ledger.probeAuditWritable() }
            s.probe = started
            return started
        }
        do {
            try await probe.value
            state.withLock { s in
                if s.probe == probe { s.probe = nil }
                s.lastCommit = .now
                s.lastFailure = nil
            }
        } catch {
            state.withLock { s in
                if s.probe == probe { s.probe = nil }
                s.lastFailure = "\(error)"
            }
            throw Unwritable(reason: "\(error)")
        }
    }

    /// Waits until every queued event has been written or has failed: for a clean shutdown in `async` mode.
    /// Events waiting for the writer: the `/metrics` gauge.
    public var queueDepth: Int { state.withLock { $0.queue.count } }

    public func flush() async {
        await withCheckedContinuation { done in
            let idle = state.withLock { s -> Bool in
                if s.queue.isEmpty && !s.writing { return true }
                s.drained.append(done)
                return false
            }
            if idle { done.resume() }
        }
    }

    public struct Unwritable: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "the audit store cannot record: \(reason)" }
    }

    private func enqueue(_ pending: Pending) {
        let start = state.withLock { s -> Bool in
            if pending.waiter == nil, s.queue.count >= asyncQueueLimit {
                s.queue.removeFirst()
                logger.error("audit queue full: the oldest queued record was dropped")
            }
            s.queue.append(pending)
            if s.writing { return false }
            s.writing = true
            return true
        }
        if start { writer.async { self.drain() } }
    }

    /// The writer loop: runs on its own thread, so a blocked store never holds a task of the cooperative pool.
    private func drain() {
        while true {
            let batch = state.withLock { s -> [Pending] in
                guard !s.queue.isEmpty else {
                    s.writing = false
                    s.batchStarted = nil
                    return []
                }
                let count = min(s.queue.count, maxBatch)
                let batch = Array(s.queue.prefix(count))
                s.queue.removeFirst(count)
                s.batchStarted = .now
                return batch
            }
            if batch.isEmpty {
                // Only when still idle: if a new event started another drain meanwhile, that drain resumes them.
                let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                    guard s.queue.isEmpty && !s.writing else { return [] }
                    defer { s.drained = [] }
                    return s.drained
                }
                for waiter in waiters { waiter.resume() }
                return
            }
            do {
                try ledger.appendAudit(batch.map { $0.event })  // a key path here cost 0.7% of the gateway's CPU
                state.withLock {
                    $0.lastCommit = .now
                    $0.lastFailure = nil
                    $0.batchStarted = nil
                }
                for pending in batch { pending.waiter?.resume() }
            } catch {
                state.withLock {
                    $0.lastFailure = "\(error)"
                    $0.batchStarted = nil
                }
                logger.error("audit batch not committed", metadata: ["records": "\(batch.count)", "error": "\(error)"])
                let unqueued = batch.filter { $0.waiter == nil }
                for pending in batch { pending.waiter?.resume(throwing: Unwritable(reason: "\(error)")) }
                if !unqueued.isEmpty {
                    // Async records have no caller to tell: keep them and try again shortly.
                    state.withLock { $0.queue.insert(contentsOf: unqueued, at: 0) }
                    Thread.sleep(forTimeInterval: 0.2)
                }
            }
        }
    }
}
