/// Tells a running gateway what changed in the store, so that it can keep keys, roles and connections in memory
/// without reading all of them again every second: PostgreSQL by LISTEN/NOTIFY (every gateway on the database, and
/// every command), SQLite by a change counter that triggers move (the server and commands on the same file).
public protocol StoreChangeFeed: Sendable {
    /// Reports events to `deliver` until the task is cancelled; reconnects by itself after losing the store, reporting
    /// ``StoreChangeEvent/interrupted`` then ``StoreChangeEvent/following`` again.
    func follow(_ deliver: @escaping @Sendable (StoreChangeEvent) async -> Void) async
}
