import Foundation
import GRDB
import GatewayCore

extension SQLiteStore: KeyRepository {
    public func insertKey(_ key: APIKey) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, name, role, secret_hash, locations, rate, burst, expires_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.id, key.name, key.role, key.secretHash, key.locations?.joined(separator: ","), key.rate,
                    key.burst, key.expiresAt?.timeIntervalSince1970, key.createdAt.timeIntervalSince1970,
                ])
        }
    }

    public func keys() async throws -> [APIKey] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, id").map(Self.decodeKey)
        }
    }

    public func key(id: String) async throws -> APIKey? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]).map(Self.decodeKey)
        }
    }

    public func revokeKey(id: String, at date: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                arguments: [date.timeIntervalSince1970, id])
            return db.changesCount == 1
        }
    }

    public func rotateKey(id: String, secretHash: Data, previousValidUntil: Date?) async throws -> Bool {
        try await pool.write { db in
            // Without grace the previous hash is dropped in the same statement, so the old secret stops at once.
            try db.execute(
                sql: """
                    UPDATE api_keys SET
                        previous_secret_hash = CASE WHEN ? IS NULL THEN NULL ELSE secret_hash END,
                        previous_expires_at = ?,
                        secret_hash = ?
                    WHERE id = ? AND revoked_at IS NULL
                    """,
                arguments: [
                    previousValidUntil?.timeIntervalSince1970, previousValidUntil?.timeIntervalSince1970, secretHash, id,
                ])
            return db.changesCount == 1
        }
    }

    public func updateKey(_ key: APIKey) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE api_keys SET name = ?, role = ?, locations = ?, rate = ?, burst = ?, expires_at = ?
                    WHERE id = ? AND revoked_at IS NULL
                    """,
                arguments: [
                    key.name, key.role, key.locations?.joined(separator: ","), key.rate, key.burst,
                    key.expiresAt?.timeIntervalSince1970, key.id,
                ])
            return db.changesCount == 1
        }
    }

    public func recordLastUsed(_ times: [String: Date]) async throws {
        guard !times.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.makeStatement(
                sql: "UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?")
            for (id, date) in times {
                try statement.execute(arguments: [date.timeIntervalSince1970, id])
            }
        }
    }

}

extension SQLiteStore: RoleRepository {
    public func insertRole(_ role: Role, at date: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO roles (name, scopes, created_at) VALUES (?, ?, ?)",
                arguments: [
                    role.name, role.scopes.sorted().map(\.rawValue).joined(separator: ","), date.timeIntervalSince1970,
                ])
            return db.changesCount == 1
        }
    }

    public func deleteRole(name: String) async throws -> RoleDeletion {
        try await pool.write { db in
            // One transaction: a key given this role meanwhile either blocks the delete or is created after it.
            let users = try String.fetchAll(
                db, sql: "SELECT id FROM api_keys WHERE role = ? AND revoked_at IS NULL ORDER BY created_at, id",
                arguments: [name])
            guard users.isEmpty else { return .inUse(keyIds: users) }
            try db.execute(sql: "DELETE FROM roles WHERE name = ?", arguments: [name])
            return db.changesCount == 1 ? .deleted : .notFound
        }
    }

    public func customRoles() async throws -> [Role] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM roles ORDER BY name").map { row in
                let scopes: String = row["scopes"]
                return Role(
                    name: row["name"],
                    scopes: Set(scopes.split(separator: ",").map { Scope(rawValue: String($0)) }), builtIn: false)
            }
        }
    }

}

extension SQLiteStore {
    static func decodeKey(_ row: Row) -> APIKey {
        let locations: String? = row["locations"]
        return APIKey(
            id: row["id"], name: row["name"], role: row["role"], secretHash: row["secret_hash"],
            locations: locations.map { $0.split(separator: ",").map(String.init) }, rate: row["rate"],
            burst: row["burst"], expiresAt: (row["expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            lastUsedAt: (row["last_used_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            previousSecretHash: row["previous_secret_hash"],
            previousSecretExpiresAt: (row["previous_expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
