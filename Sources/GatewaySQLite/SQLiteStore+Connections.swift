import Foundation
import GRDB
import GatewayCore

extension SQLiteStore: ConnectionRepository {
    public func connection(locationId: String) async throws -> Connection? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM connections WHERE location_id = ?", arguments: [locationId])
                .map(self.decode)
        }
    }

    public func connections() async throws -> [Connection] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM connections ORDER BY location_id").map(self.decode)
        }
    }

    @discardableResult
    public func save(_ connection: Connection) async throws -> Connection {
        let sealed = try seal(connection)
        return try await pool.write { db in
            let previous = try Int64.fetchOne(
                db, sql: "SELECT generation FROM connections WHERE location_id = ?", arguments: [connection.locationId])
            var stored = connection
            stored.generation = (previous ?? 0) + 1
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO connections (location_id, kind, access_token, refresh_token, issued_at,
                        expires_at, scope, company_id, user_id, status, status_detail, generation, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    stored.locationId, stored.kind.rawValue, sealed.access, sealed.refresh,
                    stored.accessTokenIssuedAt?.timeIntervalSince1970, stored.accessTokenExpiresAt?.timeIntervalSince1970,
                    stored.scope, stored.companyId, stored.userId, stored.status.rawValue, stored.statusDetail,
                    stored.generation, stored.createdAt.timeIntervalSince1970, stored.updatedAt.timeIntervalSince1970,
                ])
            return stored
        }
    }

    public func commitRefresh(_ connection: Connection, expectedGeneration: Int64) async throws -> Bool {
        let sealed = try seal(connection)
        return try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE connections SET access_token = ?, refresh_token = ?, issued_at = ?, expires_at = ?,
                        scope = ?, status = ?, status_detail = NULL, generation = ?, updated_at = ?
                    WHERE location_id = ? AND generation = ?
                    """,
                arguments: [
                    sealed.access, sealed.refresh, connection.accessTokenIssuedAt?.timeIntervalSince1970,
                    connection.accessTokenExpiresAt?.timeIntervalSince1970, connection.scope,
                    Connection.Status.active.rawValue, connection.generation, connection.updatedAt.timeIntervalSince1970,
                    connection.locationId, expectedGeneration,
                ])
            return db.changesCount == 1
        }
    }

    public func markNeedsAuthorization(locationId: String, expectedGeneration: Int64, detail: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE connections SET status = ?, status_detail = ?, updated_at = ?
                    WHERE location_id = ? AND generation = ?
                    """,
                arguments: [
                    Connection.Status.needsAuthorization.rawValue, detail, Date().timeIntervalSince1970, locationId,
                    expectedGeneration,
                ])
            return db.changesCount == 1
        }
    }

    public func removeConnection(locationId: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM connections WHERE location_id = ?", arguments: [locationId])
            return db.changesCount == 1
        }
    }

    func seal(_ connection: Connection) throws -> (access: Data, refresh: Data?) {
        let context = connection.locationId
        return (
            try cipher.seal(connection.accessToken, context: context),
            try connection.refreshToken.map { try cipher.seal($0, context: context) }
        )
    }

    func decode(_ row: Row) throws -> Connection {
        let locationId: String = row["location_id"]
        let kindText: String = row["kind"]
        let statusText: String = row["status"]
        let refresh: Data? = row["refresh_token"]
        return Connection(
            locationId: locationId,
            kind: Connection.Kind(rawValue: kindText) ?? .oauth,
            accessToken: try cipher.open(row["access_token"], context: locationId),
            refreshToken: try refresh.map { try cipher.open($0, context: locationId) },
            accessTokenIssuedAt: (row["issued_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            accessTokenExpiresAt: (row["expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            scope: row["scope"], companyId: row["company_id"], userId: row["user_id"],
            status: Connection.Status(rawValue: statusText) ?? .needsAuthorization,
            statusDetail: row["status_detail"], generation: row["generation"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }
}
