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

    private static func decodeKey(_ row: Row) -> APIKey {
        let locations: String? = row["locations"]
        return APIKey(
            id: row["id"], name: row["name"], role: row["role"], secretHash: row["secret_hash"],
            locations: locations.map { $0.split(separator: ",").map(String.init) }, rate: row["rate"],
            burst: row["burst"], expiresAt: (row["expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            lastUsedAt: (row["last_used_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
