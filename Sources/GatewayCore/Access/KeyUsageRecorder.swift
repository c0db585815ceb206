import Foundation

/// Last-used times, gathered in memory and written in one batch, so that a request costs no database write.
///
/// A crash loses at most one flush interval of last-used times, which only ever say "about when".
public final class KeyUsageRecorder: Sendable {
    private let repository: any KeyRepository
    private let pending: Shards<[String: Date]>

    public init(repository: any KeyRepository, shardCount: Int = 16) {
        self.repository = repository
        self.pending = Shards(count: shardCount) { [:] }
    }

    public func touch(_ keyId: String, at date: Date) {
        pending.withLock(for: keyId) { pending in
            if let seen = pending[keyId], seen >= date { return }
            pending[keyId] = date
        }
    }

    /// Writes what was gathered since the last flush; on failure puts it back for the next one.
    public func flush() async throws {
        var batch: [String: Date] = [:]
        let taken = pending.eachLocked { pending in
            defer { pending = [:] }
            return pending
        }
        for part in taken { batch.merge(part) { max($0, $1) } }
        guard !batch.isEmpty else { return }
        do {
            try await repository.recordLastUsed(batch)
        } catch {
            for (id, date) in batch { touch(id, at: date) }
            throw error
        }
    }
}
