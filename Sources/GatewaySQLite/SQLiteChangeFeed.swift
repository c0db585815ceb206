import Foundation
import GRDB
import GatewayCore

/// Follows the SQLite file by reading its change counter (migration v11: triggers move it on every change to keys,
/// roles and connections, from any process) every `interval`: one row a few times a second, instead of every key.
/// The counter says that something changed, not what, so each move is reported as ``StoreChange/everything``.
public struct SQLiteChangeFeed: StoreChangeFeed {
    let store: SQLiteStore
    let interval: Duration

    public init(store: SQLiteStore, interval: Duration = .milliseconds(250)) {
        self.store = store
        self.interval = interval
    }

    public func follow(_ deliver: @escaping @Sendable (StoreChangeEvent) async -> Void) async {
        var seen: Int64?
        while !Task.isCancelled {
            do {
                let value = try await store.changeCount()
                if seen == nil {
                    await deliver(.following)
                } else if value != seen {
                    await deliver(.changed(.everything))
                }
                seen = value
            } catch {
                if seen != nil { await deliver(.interrupted) }
                seen = nil
            }
            try? await Task.sleep(for: interval)
        }
    }
}

extension SQLiteStore {
    /// The change counter's value: it moves whenever a key, role or connection changes.
    public func changeCount() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM change_counter WHERE id = 1") ?? 0 }
    }
}
