import Dispatch
import Synchronization

/// Many callers' small writes in one transaction: a caller submits its item and waits; one writer thread takes
/// everything submitted so far, commits it with one `commit` call (one transaction, one fsync), and answers each
/// caller with its own outcome. While it writes, new items queue for the next batch, so when idle an item is written
/// at once and under load a commit is shared by many.
///
/// SQLite has one writer, and with `synchronous = FULL` each transaction costs an fsync: HighLevel's events taken
/// one transaction each held the intake near 1,000 events/s on this machine (bench/webhooks).
///
/// A failed batch of several is tried again one item at a time, so an item that cannot be written fails alone and
/// the others still commit (each answered exactly once either way).
public final class GroupCommit<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Writes `items` in one transaction, all or nothing (a failed batch is tried again item by item), and returns
    /// one outcome per item, in order. Runs on the writer thread only, so it may block.
    public typealias Commit = @Sendable ([Item]) throws -> [Outcome]

    private struct Waiting {
        var item: Item
        var caller: CheckedContinuation<Outcome, any Error>
    }

    private struct State {
        var queue: [Waiting] = []
        var writing = false
    }

    public struct OutcomeCountMismatch: Error, CustomStringConvertible {
        public let items: Int
        public let outcomes: Int
        public var description: String { "a group commit of \(items) items returned \(outcomes) outcomes" }
    }

    private let commit: Commit
    private let maxBatch: Int
    private let state = Mutex(State())
    private let writer: DispatchQueue

    public init(label: String, maxBatch: Int = 512, commit: @escaping Commit) {
        self.commit = commit
        self.maxBatch = max(1, maxBatch)
        self.writer = DispatchQueue(label: label, qos: .userInitiated)
    }

    /// Returns once `item` is committed (with its outcome), or throws what its commit threw.
    public func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { caller in
            let start = state.withLock { s -> Bool in
                s.queue.append(Waiting(item: item, caller: caller))
                if s.writing { return false }
                s.writing = true
                return true
            }
            if start { writer.async { self.drain() } }
        }
    }

    private func drain() {
        while true {
            let batch = state.withLock { s -> [Waiting] in
                guard !s.queue.isEmpty else {
                    s.writing = false
                    return []
                }
                let count = min(s.queue.count, maxBatch)
                defer { s.queue.removeFirst(count) }
                return Array(s.queue.prefix(count))
            }
            if batch.isEmpty { return }
            do {
                answer(batch, try committed(batch.map(\.item)))
            } catch where batch.count > 1 {
                for waiting in batch { answer([waiting], Result { try committed([waiting.item]) }) }
            } catch {
                batch[0].caller.resume(throwing: error)
            }
        }
    }

    private func committed(_ items: [Item]) throws -> [Outcome] {
        let outcomes = try commit(items)
        guard outcomes.count == items.count else {
            throw OutcomeCountMismatch(items: items.count, outcomes: outcomes.count)
        }
        return outcomes
    }

    private func answer(_ batch: [Waiting], _ outcomes: [Outcome]) {
        for (waiting, outcome) in zip(batch, outcomes) { waiting.caller.resume(returning: outcome) }
    }

    private func answer(_ batch: [Waiting], _ result: Result<[Outcome], any Error>) {
        switch result {
        case .success(let outcomes): answer(batch, outcomes)
        case .failure(let error): for waiting in batch { waiting.caller.resume(throwing: error) }
        }
    }
}
