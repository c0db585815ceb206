import Foundation

/// Where API keys and custom roles live.
public protocol KeyRepository: Sendable {
    func insertKey(_ key: APIKey) async throws
    func keys() async throws -> [APIKey]
    func key(id: String) async throws -> APIKey?
    /// False when there is no such key.
    func revokeKey(id: String, at date: Date) async throws -> Bool
    /// Replaces a key's secret hash; the old one stays valid until `previousValidUntil` (none when `nil`).
    /// False when there is no such key, or it is revoked.
    func rotateKey(id: String, secretHash: Data, previousValidUntil: Date?) async throws -> Bool
    /// Sets last-used times, never moving one backwards.
    func recordLastUsed(_ times: [String: Date]) async throws
    /// Custom roles only; built-in roles are not stored.
    func customRoles() async throws -> [Role]
    /// False when a custom role of that name exists already.
    func insertRole(_ role: Role, at date: Date) async throws -> Bool
    /// Deletes a custom role unless unrevoked keys still have it; decided in one transaction.
    func deleteRole(name: String) async throws -> RoleDeletion
}
