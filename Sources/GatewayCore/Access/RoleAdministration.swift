import Foundation

/// Listing, creating and deleting roles: the one implementation behind `roles …` and `/admin/v1/roles`.
public struct RoleAdministration: Sendable {
    private let repository: any RoleRepository
    private let clock: any WallClock

    public init(repository: any RoleRepository, clock: any WallClock = SystemWallClock()) {
        self.repository = repository
        self.clock = clock
    }

    /// Built-in roles first, then custom ones by name.
    public func list() async throws -> [Role] {
        Role.builtIns + (try await repository.customRoles())
    }

    public func create(name: String, scopes: [String], by actor: AdministrativeActor) async throws -> Role {
        guard PathIdentifier.isValid(name) else {
            throw GatewayError.badRequest("A role name must be \(PathIdentifier.rule).")
        }
        if Role.builtIns.contains(where: { $0.name == name }) {
            throw GatewayError.conflict("'\(name)' is a built-in role; choose another name.")
        }
        let names = scopes.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else {
            throw GatewayError.badRequest("A role needs at least one scope. Scopes: \(Self.knownScopes).")
        }
        for name in names where !Scope.all.contains(Scope(rawValue: name)) {
            throw GatewayError.badRequest("Unknown scope '\(name)'. Scopes: \(Self.knownScopes).")
        }
        let role = Role(name: name, scopes: Set(names.map(Scope.init(rawValue:))))
        // Locations do not apply to a role; only its scopes do.
        try actor.requireAuthority(over: role.scopes, locations: actor.locations, to: "create role '\(name)'")
        guard try await repository.insertRole(role, at: clock.now()) else {
            throw GatewayError.conflict("A role named '\(name)' exists already.")
        }
        return role
    }

    public func delete(name: String, by actor: AdministrativeActor) async throws {
        if Role.builtIns.contains(where: { $0.name == name }) {
            throw GatewayError.badRequest("'\(name)' is a built-in role and cannot be deleted.")
        }
        if let existing = try await repository.customRoles().first(where: { $0.name == name }) {
            try actor.requireAuthority(over: existing.scopes, locations: actor.locations, to: "delete role '\(name)'")
        }
        switch try await repository.deleteRole(name: name) {
        case .deleted: return
        case .notFound: throw GatewayError.notFound("No custom role named '\(name)'.")
        case .inUse(let keyIds):
            let shown = keyIds.prefix(5).joined(separator: ", ") + (keyIds.count > 5 ? ", …" : "")
            throw GatewayError.conflict(
                "Role '\(name)' is still used by \(keyIds.count) key(s) (\(shown)): revoke them or give them "
                    + "another role first.")
        }
    }

    private static var knownScopes: String { Scope.all.map(\.rawValue).joined(separator: ", ") }
}
