/// Where connections live. SQLite is the embedded default; PostgreSQL lets several gateways share one store.
///
/// Implementations seal tokens at rest with `TokenCipher` and make `commitRefresh` and
/// `markNeedsAuthorization` compare-and-swap on `generation`, so a refresh never overwrites a newer pair.
public protocol ConnectionRepository: Sendable {
    func connection(locationId: String) async throws -> Connection?
    func connections() async throws -> [Connection]
    /// Inserts or replaces a connection (a new authorization or token); the stored generation becomes one more than
    /// the one it replaces, and the returned connection carries it.
    @discardableResult
    func save(_ connection: Connection) async throws -> Connection
    /// Stores a rotated pair if the stored generation is still `expectedGeneration`. Durable when it returns true.
    func commitRefresh(_ connection: Connection, expectedGeneration: Int64) async throws -> Bool
    /// Marks the connection dead if the stored generation is still `expectedGeneration`.
    func markNeedsAuthorization(locationId: String, expectedGeneration: Int64, detail: String) async throws -> Bool
    func removeConnection(locationId: String) async throws -> Bool
}
