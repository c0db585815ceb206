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
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100, !trimmed.contains(where: \.isNewline) else {
            throw GatewayError.badRequest("A key needs a name of 1 to 100 characters on one line.")
        }
        let roles = Role.builtIns + (try await roles.customRoles())
        guard let granted = roles.first(where: { $0.name == role }) else {
            throw GatewayError.badRequest(
                "Unknown role '\(role)'. Roles: \(roles.map(\.name).joined(separator: ", ")).")
        }
        if let locations {
            guard !locations.isEmpty, locations.allSatisfy(PathIdentifier.isValid) else {
                throw GatewayError.badRequest("Locations must be a comma-separated list of ids (\(PathIdentifier.rule)).")
            }
        }
        try actor.requireAuthority(
            over: granted.scopes, locations: locations, to: "create a key with role '\(granted.name)'")
        if let rate, Rate(rate) == nil {
            throw GatewayError.badRequest("Rate '\(rate)' must look like 10/s, 600/min or 100/10s.")
        }
        if let burst, burst < 1 { throw GatewayError.badRequest("Burst must be at least 1.") }
        var expiresAt: Date?
        if let expiresIn {
            guard let seconds = DurationText.seconds(expiresIn), seconds > 0 else {
                throw GatewayError.badRequest("Expiry '\(expiresIn)' must be a duration such as 30d or 12h.")
            }
            expiresAt = clock.now().addingTimeInterval(seconds)
        }
        let generated = format.generate()
        try await repository.insertKey(
            APIKey(
                id: generated.id, name: trimmed, role: role, secretHash: generated.hash, locations: locations,
                rate: rate, burst: burst, expiresAt: expiresAt, createdAt: clock.now()))
        return CreatedKey(
            id: generated.id, key: generated.key, name: trimmed, role: role, locations: locations, rate: rate,
            burst: burst, expiresAt: expiresAt)
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
