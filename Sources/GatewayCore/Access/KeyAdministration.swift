import Foundation

/// Creating, listing and revoking local API keys: the one implementation behind the CLI and the admin API.
public struct KeyAdministration: Sendable {
    /// What `keys create` and `keys rotate` print: the only times a secret is shown.
    public struct CreatedKey: Sendable, Codable, Equatable {
        public var id: String
        public var key: String
        public var name: String
        public var role: String
        public var locations: [String]?
        public var rate: String?
        public var burst: Int?
        public var expiresAt: Date?
        /// After `rotate` with a grace period: until when the previous secret still works.
        public var previousKeyValidUntil: Date?

        private enum CodingKeys: String, CodingKey {
            case id, key, name, role, locations, rate, burst, expiresAt, previousKeyValidUntil
        }

        // Every documented field is present, `null` when unset, so scripts can rely on the shape.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(key, forKey: .key)
            try container.encode(name, forKey: .name)
            try container.encode(role, forKey: .role)
            try container.encode(locations, forKey: .locations)
            try container.encode(rate, forKey: .rate)
            try container.encode(burst, forKey: .burst)
            try container.encode(expiresAt, forKey: .expiresAt)
            try container.encodeIfPresent(previousKeyValidUntil, forKey: .previousKeyValidUntil)
        }
    }

    private let repository: any KeyRepository
    private let roles: any RoleRepository
    private let format: KeyFormat
    private let clock: any WallClock

    public init(
        keys: any KeyRepository, roles: any RoleRepository, format: KeyFormat, clock: any WallClock = SystemWallClock()
    ) {
        self.repository = keys
        self.roles = roles
        self.format = format
        self.clock = clock
    }

    public func create(
        name: String, role: String, locations: [String]? = nil, rate: String? = nil, burst: Int? = nil,
        expiresIn: String? = nil, by actor: AdministrativeActor
    ) async throws -> CreatedKey {
        let trimmed = try Self.validName(name)
        let granted = try Self.knownRole(role, in: Role.builtIns + (try await roles.customRoles()))
        let locations = try locations.map(Self.validLocations)
        try actor.requireAuthority(
            over: granted.scopes, locations: locations, to: "create a key with role '\(granted.name)'")
        let rate = try rate.map(Self.validRate)
        let burst = try burst.map(Self.validBurst)
        let expiresAt = try expiresIn.map(expiry)
        let generated = format.generate()
        try await repository.insertKey(
            APIKey(
                id: generated.id, name: trimmed, role: role, secretHash: generated.hash, locations: locations,
                rate: rate, burst: burst, expiresAt: expiresAt, createdAt: clock.now()))
        return CreatedKey(
            id: generated.id, key: generated.key, name: trimmed, role: role, locations: locations, rate: rate,
            burst: burst, expiresAt: expiresAt)
    }

    /// What `keys update` and `PATCH /admin/v1/keys/{id}` change; a field left `nil` stays as it is. For the fields
    /// that can be unset, `.some(nil)` unsets it: every location, the default rate or burst, no expiry.
    public struct KeyChanges: Sendable, Equatable {
        public var name: String?
        public var role: String?
        public var locations: [String]??
        public var rate: String??
        public var burst: Int??
        /// A lifetime from now (`30d`), or `.some(nil)` for none.
        public var expiresIn: String??

        public init(
            name: String? = nil, role: String? = nil, locations: [String]?? = nil, rate: String?? = nil,
            burst: Int?? = nil, expiresIn: String?? = nil
        ) {
            self.name = name
            self.role = role
            self.locations = locations
            self.rate = rate
            self.burst = burst
            self.expiresIn = expiresIn
        }

        public var isEmpty: Bool { self == KeyChanges() }
    }

    /// Changes a key's name, role, locations, rate, burst or expiry; its secret stays. A key acting through the admin
    /// API needs authority over the key as it is and as it would be: it can neither reach a key beyond its own
    /// scopes and locations nor widen one (itself included) past them.
    public func update(id: String, _ changes: KeyChanges, by actor: AdministrativeActor) async throws -> APIKey {
        guard !changes.isEmpty else {
            throw GatewayError.badRequest(
                "Nothing to change: give at least one of name, role, locations, rate, burst or expiresIn.")
        }
        var key = try await show(id: id)
        try await requireAuthority(of: actor, over: key, to: "change key '\(id)'")
        guard key.revokedAt == nil else {
            throw GatewayError.conflict("Key '\(id)' is revoked; create a new key instead.")
        }
        if let name = changes.name { key.name = try Self.validName(name) }
        let roles = Role.builtIns + (try await roles.customRoles())
        if let role = changes.role { key.role = try Self.knownRole(role, in: roles).name }
        if let locations = changes.locations { key.locations = try locations.map(Self.validLocations) }
        if let rate = changes.rate { key.rate = try rate.map(Self.validRate) }
        if let burst = changes.burst { key.burst = try burst.map(Self.validBurst) }
        if let expiresIn = changes.expiresIn { key.expiresAt = try expiresIn.map(expiry) }
        let scopes = roles.first(where: { $0.name == key.role })?.scopes ?? Set(Scope.all)
        try actor.requireAuthority(
            over: scopes, locations: key.locations, to: "give key '\(id)' role '\(key.role)' and these locations")
        guard try await repository.updateKey(key) else {
            throw GatewayError.conflict("Key '\(id)' was revoked meanwhile; nothing was changed.")
        }
        return key
    }

    private static func validName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100, !trimmed.contains(where: \.isNewline) else {
            throw GatewayError.badRequest("A key needs a name of 1 to 100 characters on one line.")
        }
        return trimmed
    }

    private static func knownRole(_ role: String, in roles: [Role]) throws -> Role {
        guard let granted = roles.first(where: { $0.name == role }) else {
            throw GatewayError.badRequest(
                "Unknown role '\(role)'. Roles: \(roles.map(\.name).joined(separator: ", ")).")
        }
        return granted
    }

    private static func validLocations(_ locations: [String]) throws -> [String] {
        guard !locations.isEmpty, locations.allSatisfy(PathIdentifier.isValid) else {
            throw GatewayError.badRequest("Locations must be a comma-separated list of ids (\(PathIdentifier.rule)).")
        }
        return locations
    }

    private static func validRate(_ rate: String) throws -> String {
        guard Rate(rate) != nil else {
            throw GatewayError.badRequest("Rate '\(rate)' must look like 10/s, 600/min or 100/10s.")
        }
        return rate
    }

    private static func validBurst(_ burst: Int) throws -> Int {
        guard burst >= 1 else { throw GatewayError.badRequest("Burst must be at least 1, not \(burst).") }
        return burst
    }

    private func expiry(_ expiresIn: String) throws -> Date {
        guard let seconds = DurationText.seconds(expiresIn), seconds > 0 else {
            throw GatewayError.badRequest("Expiry '\(expiresIn)' must be a duration such as 30d or 12h.")
        }
        return clock.now().addingTimeInterval(seconds)
    }

    public func list() async throws -> [APIKey] { try await repository.keys() }

    public func show(id: String) async throws -> APIKey {
        if KeyShapedText.isKeyShaped(id) {
            throw GatewayError.badRequest(
                "That is a whole key, not a key's id: the id is the \(KeyFormat.idLength) characters after "
                    + "'\(KeyFormat.prefix)'. Never paste the key itself into a command or a path.")
        }
        guard let key = try await repository.key(id: id) else { throw GatewayError.notFound("No key with id '\(id)'.") }
        return key
    }

    public func revoke(id: String, by actor: AdministrativeActor) async throws {
        try await requireAuthority(of: actor, over: try await show(id: id), to: "revoke key '\(id)'")
        guard try await repository.revokeKey(id: id, at: clock.now()) else {
            throw GatewayError.notFound("No key with id '\(id)'.")
        }
    }

    /// A new secret for a key; the old one keeps working for `grace` (e.g. `1h`), or stops at once without it.
    public func rotate(id: String, grace: String? = nil, by actor: AdministrativeActor) async throws -> CreatedKey {
        var previousValidUntil: Date?
        if let grace {
            guard let seconds = DurationText.seconds(grace) else {
                throw GatewayError.badRequest("Grace '\(grace)' must be a duration such as 90s, 15m or 1h.")
            }
            if seconds > 0 { previousValidUntil = clock.now().addingTimeInterval(seconds) }
        }
        let existing = try await show(id: id)
        // Rotating hands the caller the key's new secret: taking over another key is only for one's own kind.
        try await requireAuthority(of: actor, over: existing, to: "rotate key '\(id)'")
        guard existing.revokedAt == nil else {
            throw GatewayError.conflict("Key '\(id)' is revoked; create a new key instead.")
        }
        let generated = format.generate()
        guard try await repository.rotateKey(id: id, secretHash: generated.hash, previousValidUntil: previousValidUntil)
        else { throw GatewayError.notFound("No key with id '\(id)'.") }
        return CreatedKey(
            id: id, key: format.key(id: id, secret: generated.secret), name: existing.name, role: existing.role,
            locations: existing.locations, rate: existing.rate, burst: existing.burst, expiresAt: existing.expiresAt,
            previousKeyValidUntil: previousValidUntil)
    }

    /// Acting on an existing key needs authority over its role's scopes and its locations. A key whose role no longer
    /// exists is treated as holding every scope: only a key that holds them all may act on it.
    private func requireAuthority(of actor: AdministrativeActor, over key: APIKey, to what: String) async throws {
        guard actor != .operator else { return }
        let roles = Role.builtIns + (try await roles.customRoles())
        let scopes = roles.first(where: { $0.name == key.role })?.scopes ?? Set(Scope.all)
        try actor.requireAuthority(over: scopes, locations: key.locations, to: what)
    }

    /// Whether any unrevoked key has the admin role (so `serve --sandbox` knows whether to make one).
    public func hasAdminKey() async throws -> Bool {
        try await repository.keys().contains { $0.role == Role.admin.name && $0.revokedAt == nil }
    }
}
