import Foundation
import GatewayCore
import PostgresNIO

extension PostgresStore: KeyRepository {
    static let keyColumns = """
        id, name, role, secret_hash, locations, rate, burst, expires_at, created_at, last_used_at, revoked_at,
        previous_secret_hash, previous_expires_at
        """

    public func insertKey(_ key: APIKey) async throws {
        _ = try await rows(
            """
            INSERT INTO api_keys (id, name, role, secret_hash, locations, rate, burst, expires_at, created_at)
            VALUES (\(key.id), \(key.name), \(key.role), \(key.secretHash), \(key.locations?.joined(separator: ",")),
                \(key.rate), \(key.burst.map(Int64.init)), \(key.expiresAt?.timeIntervalSince1970),
                \(key.createdAt.timeIntervalSince1970))
            """)
    }

    public func keys() async throws -> [APIKey] {
        try await rows(PostgresQuery(unsafeSQL: "SELECT \(Self.keyColumns) FROM api_keys ORDER BY created_at, id COLLATE \"C\""))
            .map(Self.decodeKey)
    }

    public func key(id: String) async throws -> APIKey? {
        var binds = PostgresBindings()
        binds.append(id)
        return try await rows(
            PostgresQuery(unsafeSQL: "SELECT \(Self.keyColumns) FROM api_keys WHERE id = $1", binds: binds)
        ).first.map(Self.decodeKey)
    }

    public func revokeKey(id: String, at date: Date) async throws -> Bool {
        try await !rows(
            """
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, \(date.timeIntervalSince1970)) WHERE id = \(id)
            RETURNING 1
            """
        ).isEmpty
    }

    public func rotateKey(id: String, secretHash: Data, previousValidUntil: Date?) async throws -> Bool {
        let until = previousValidUntil?.timeIntervalSince1970
        // Without grace the previous hash is dropped in the same statement, so the old secret stops at once.
        return try await !rows(
            """
            UPDATE api_keys SET
                previous_secret_hash = CASE WHEN \(until)::double precision IS NULL THEN NULL ELSE secret_hash END,
                previous_expires_at = \(until),
                secret_hash = \(secretHash)
            WHERE id = \(id) AND revoked_at IS NULL
            RETURNING 1
            """
        ).isEmpty
    }

    public func updateKey(_ key: APIKey) async throws -> Bool {
        try await !rows(
            """
            UPDATE api_keys SET name = \(key.name), role = \(key.role), locations = \(key.locations?.joined(separator: ",")),
                rate = \(key.rate), burst = \(key.burst.map(Int64.init)), expires_at = \(key.expiresAt?.timeIntervalSince1970)
            WHERE id = \(key.id) AND revoked_at IS NULL
            RETURNING 1
            """
        ).isEmpty
    }

    public func recordLastUsed(_ times: [String: Date]) async throws {
        guard !times.isEmpty else { return }
        let ids = Array(times.keys)
        let dates = ids.map { times[$0]!.timeIntervalSince1970 }
        // One statement for the whole batch; GREATEST never moves a time backwards.
        _ = try await rows(
            """
            UPDATE api_keys AS k SET last_used_at = GREATEST(coalesce(k.last_used_at, 0), u.at)
            FROM unnest(\(ids)::text[], \(dates)::double precision[]) AS u(id, at)
            WHERE k.id = u.id
            """)
    }

    static func decodeKey(_ row: PostgresRow) throws -> APIKey {
        let (
            id, name, role, secretHash, locations, rate, burst, expiresAt, createdAt, lastUsedAt, revokedAt,
            previousSecretHash, previousExpiresAt
        ) = try row.decode(
            (String, String, String, Data, String?, String?, Int64?, Double?, Double, Double?, Double?, Data?, Double?)
                .self)
        return APIKey(
            id: id, name: name, role: role, secretHash: secretHash,
            locations: locations.map { $0.split(separator: ",").map(String.init) }, rate: rate,
            burst: burst.map(Int.init), expiresAt: expiresAt.map(Date.init(timeIntervalSince1970:)),
            createdAt: Date(timeIntervalSince1970: createdAt),
            lastUsedAt: lastUsedAt.map(Date.init(timeIntervalSince1970:)),
            revokedAt: revokedAt.map(Date.init(timeIntervalSince1970:)),
            previousSecretHash: previousSecretHash,
            previousSecretExpiresAt: previousExpiresAt.map(Date.init(timeIntervalSince1970:)))
    }
}

extension PostgresStore: RoleRepository {
    public func insertRole(_ role: Role, at date: Date) async throws -> Bool {
        let scopes = role.scopes.sorted().map(\.rawValue).joined(separator: ",")
        return try await !rows(
            """
            INSERT INTO roles (name, scopes, created_at) VALUES (\(role.name), \(scopes), \(date.timeIntervalSince1970))
            ON CONFLICT (name) DO NOTHING RETURNING 1
            """
        ).isEmpty
    }

    public func deleteRole(name: String) async throws -> RoleDeletion {
        try await transaction { [self] connection in
            // SHARE mode lets readers on and holds writers of keys until this commits: a key given this role meanwhile
            // either blocks the delete or is created after it.
            try await connection.query("LOCK TABLE api_keys IN SHARE MODE", logger: logger)
            let users = try await connection.rows(
                "SELECT id FROM api_keys WHERE role = \(name) AND revoked_at IS NULL ORDER BY created_at, id COLLATE \"C\"",
                logger: logger
            ).map { try $0.decode(String.self) }
            guard users.isEmpty else { return .inUse(keyIds: users) }
            let deleted = try await connection.rows("DELETE FROM roles WHERE name = \(name) RETURNING 1", logger: logger)
            return deleted.isEmpty ? .notFound : .deleted
        }
    }

    public func customRoles() async throws -> [Role] {
        try await rows("SELECT name, scopes FROM roles ORDER BY name COLLATE \"C\"").map { row in
            let (name, scopes) = try row.decode((String, String).self)
            return Role(name: name, scopes: Set(scopes.split(separator: ",").map { Scope(rawValue: String($0)) }), builtIn: false)
        }
    }
}
