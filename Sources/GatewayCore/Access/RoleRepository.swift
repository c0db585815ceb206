import Foundation

/// Where custom roles live; built-in roles are not stored.
public protocol RoleRepository: Sendable {
    func customRoles() async throws -> [Role]
    /// False when a custom role of that name exists already.
    func insertRole(_ role: Role, at date: Date) async throws -> Bool
    /// Deletes a custom role unless unrevoked keys still have it; decided in one transaction with the keys.
    func deleteRole(name: String) async throws -> RoleDeletion
}
