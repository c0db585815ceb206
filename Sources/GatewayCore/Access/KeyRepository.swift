import Foundation

/// Where API keys and custom roles live.
public protocol KeyRepository: Sendable {
    func insertKey(_ key: APIKey) async throws
    func keys() async throws -> [APIKey]
    func key(id: String) async throws -> APIKey?
    /// False when there is no such key.
    func revokeKey(id: String, at date: Date) async throws -> Bool
    /// Custom roles only; built-in roles are not stored.
    func customRoles() async throws -> [Role]
}
