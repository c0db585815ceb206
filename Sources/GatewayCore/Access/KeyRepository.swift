import Foundation

/// Where API keys live. Every backend passes the same conformance suite (Tests/Support/RepositoryConformance).
public protocol KeyRepository: Sendable {
    func insertKey(_ key: APIKey) async throws
    func keys() async throws -> [APIKey]
    func key(id: String) async throws -> APIKey?
    /// False when there is no such key. Revoking a revoked key keeps its first revocation time.
    func revokeKey(id: String, at date: Date) async throws -> Bool
    /// Replaces a key's secret hash; the old one stays valid until `previousValidUntil` (none when `nil`).
    /// False when there is no such key, or it is revoked.
    func rotateKey(id: String, secretHash: Data, previousValidUntil: Date?) async throws -> Bool
    /// Stores a key's name, role, locations, rate, burst and expiry as `key` has them (never its secret or dates of
    /// use). False when there is no such key, or it is revoked.
    func updateKey(_ key: APIKey) async throws -> Bool
    /// Sets last-used times, never moving one backwards.
    func recordLastUsed(_ times: [String: Date]) async throws
}
