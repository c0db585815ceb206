import Foundation
import GatewayCore
import PostgresNIO

extension PostgresStore: ConnectionRepository {
    static let connectionColumns = """
        location_id, kind, access_token, refresh_token, issued_at, expires_at, scope, company_id, user_id, status,
        status_detail, generation, created_at, updated_at
        """

    public func connection(locationId: String) async throws -> Connection? {
        var binds = PostgresBindings()
        binds.append(locationId)
        return try await rows(
            PostgresQuery(
                unsafeSQL: "SELECT \(Self.connectionColumns) FROM connections WHERE location_id = $1", binds: binds)
        ).first.map(decode)
    }

    public func connections() async throws -> [Connection] {
        try await rows(
            PostgresQuery(
                unsafeSQL: "SELECT \(Self.connectionColumns) FROM connections ORDER BY location_id COLLATE \"C\"")
        ).map(decode)
    }

    @discardableResult
    public func save(_ connection: Connection) async throws -> Connection {
        let sealed = try seal(connection)
        let c = connection
        // One statement: the generation is one more than the row it replaces, decided under that row's lock.
        let rows = try await rows(
            """
            INSERT INTO connections (location_id, kind, access_token, refresh_token, issued_at, expires_at, scope,
                company_id, user_id, status, status_detail, generation, created_at, updated_at)
            VALUES (\(c.locationId), \(c.kind.rawValue), \(sealed.access), \(sealed.refresh),
                \(c.accessTokenIssuedAt?.timeIntervalSince1970), \(c.accessTokenExpiresAt?.timeIntervalSince1970),
                \(c.scope), \(c.companyId), \(c.userId), \(c.status.rawValue), \(c.statusDetail), 1,
                \(c.createdAt.timeIntervalSince1970), \(c.updatedAt.timeIntervalSince1970))
            ON CONFLICT (location_id) DO UPDATE SET kind = excluded.kind, access_token = excluded.access_token,
                refresh_token = excluded.refresh_token, issued_at = excluded.issued_at,
                expires_at = excluded.expires_at, scope = excluded.scope, company_id = excluded.company_id,
                user_id = excluded.user_id, status = excluded.status, status_detail = excluded.status_detail,
                generation = connections.generation + 1, created_at = excluded.created_at,
                updated_at = excluded.updated_at
            RETURNING generation
            """)
        var stored = connection
        stored.generation = try rows[0].decode(Int64.self)
        return stored
    }

    public func commitRefresh(_ connection: Connection, expectedGeneration: Int64) async throws -> Bool {
        let sealed = try seal(connection)
        let c = connection
        return try await !rows(
            """
            UPDATE connections SET access_token = \(sealed.access), refresh_token = \(sealed.refresh),
                issued_at = \(c.accessTokenIssuedAt?.timeIntervalSince1970),
                expires_at = \(c.accessTokenExpiresAt?.timeIntervalSince1970), scope = \(c.scope),
                status = \(Connection.Status.active.rawValue), status_detail = NULL, generation = \(c.generation),
                updated_at = \(c.updatedAt.timeIntervalSince1970)
            WHERE location_id = \(c.locationId) AND generation = \(expectedGeneration)
            RETURNING 1
            """
        ).isEmpty
    }

    public func markNeedsAuthorization(locationId: String, expectedGeneration: Int64, detail: String) async throws -> Bool {
        try await !rows(
            """
            UPDATE connections SET status = \(Connection.Status.needsAuthorization.rawValue), status_detail = \(detail),
                updated_at = \(Date().timeIntervalSince1970)
            WHERE location_id = \(locationId) AND generation = \(expectedGeneration)
            RETURNING 1
            """
        ).isEmpty
    }

    public func removeConnection(locationId: String) async throws -> Bool {
        try await !rows("DELETE FROM connections WHERE location_id = \(locationId) RETURNING 1").isEmpty
    }

    func seal(_ connection: Connection) throws -> (access: Data, refresh: Data?) {
        let context = connection.locationId
        return (
            try cipher.seal(connection.accessToken, context: context),
            try connection.refreshToken.map { try cipher.seal($0, context: context) }
        )
    }

    func decode(_ row: PostgresRow) throws -> Connection {
        let (
            locationId, kind, access, refresh, issuedAt, expiresAt, scope, companyId, userId, status, statusDetail,
            generation, createdAt, updatedAt
        ) = try row.decode(
            (
                String, String, Data, Data?, Double?, Double?, String?, String?, String?, String, String?, Int64,
                Double, Double
            ).self)
        return Connection(
            locationId: locationId,
            kind: Connection.Kind(rawValue: kind) ?? .oauth,
            accessToken: try cipher.open(access, context: locationId),
            refreshToken: try refresh.map { try cipher.open($0, context: locationId) },
            accessTokenIssuedAt: issuedAt.map(Date.init(timeIntervalSince1970:)),
            accessTokenExpiresAt: expiresAt.map(Date.init(timeIntervalSince1970:)),
            scope: scope, companyId: companyId, userId: userId,
            status: Connection.Status(rawValue: status) ?? .needsAuthorization,
            statusDetail: statusDetail, generation: generation,
            createdAt: Date(timeIntervalSince1970: createdAt),
            updatedAt: Date(timeIntervalSince1970: updatedAt))
    }
}

extension PostgresStore: AuthorizationStateRepository {
    public func insertAuthorizationState(_ state: AuthorizationState) async throws {
        try await transaction { [self] connection in
            // The `state` column holds the state's hash (see AuthorizationState).
            try await connection.query(
                """
                INSERT INTO authorization_states (state, location_id, created_at, expires_at)
                VALUES (\(state.stateHash), \(state.locationId), \(state.createdAt.timeIntervalSince1970),
                    \(state.expiresAt.timeIntervalSince1970))
                """, logger: logger)
            // Old states are of no use; keeping the table small keeps this lookup cheap.
            try await connection.query(
                "DELETE FROM authorization_states WHERE expires_at < \(state.createdAt.timeIntervalSince1970 - 86_400)",
                logger: logger)
        }
    }

    public func consumeAuthorizationState(hash: String, now: Date) async throws -> AuthorizationState? {
        let at = now.timeIntervalSince1970
        // One UPDATE decides: two callbacks racing with the same state cannot both succeed.
        let used = try await rows(
            """
            UPDATE authorization_states SET used_at = \(at)
            WHERE state = \(hash) AND used_at IS NULL AND expires_at > \(at)
            RETURNING state, location_id, created_at, expires_at
            """)
        return try used.first.map { row in
            let (state, locationId, createdAt, expiresAt) = try row.decode((String, String?, Double, Double).self)
            return AuthorizationState(
                stateHash: state, locationId: locationId, createdAt: Date(timeIntervalSince1970: createdAt),
                expiresAt: Date(timeIntervalSince1970: expiresAt))
        }
    }
}
