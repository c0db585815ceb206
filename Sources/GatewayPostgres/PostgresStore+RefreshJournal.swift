import Foundation
import GatewayCore
import PostgresNIO

/// The refresh journal (`refresh_attempts`): a claim locks the connection's row (`FOR UPDATE`), so claims on one
/// location from every node are decided one at a time, each seeing the ones before.
extension PostgresStore: RefreshJournal {
    static let attemptColumns = """
        id, location_id, generation, token_hash, node, started_at, lease_until, outcome, finished_at
        """

    /// How long finished attempts are kept: enough to read what happened to a connection last month.
    static let journalRetention: TimeInterval = 30 * 86_400

    public func claimRefresh(_ attempt: RefreshAttempt, now: Date) async throws -> RefreshClaim {
        try await transaction { [self] connection in
            let logger = self.logger
            let stored = try await connection.rows(
                "SELECT generation FROM connections WHERE location_id = \(attempt.locationId) FOR UPDATE",
                logger: logger
            ).first?.decode(Int64.self)
            guard stored == attempt.generation else { return .superseded }
            let holder = try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT \(Self.attemptColumns) FROM refresh_attempts
                        WHERE location_id = $1 AND generation = $2 AND outcome IS NULL AND lease_until > $3
                        ORDER BY started_at DESC LIMIT 1
                        """,
                    binds: Self.binds(attempt.locationId, attempt.generation, now.timeIntervalSince1970)),
                logger: logger
            ).first.map(Self.decodeAttempt)
            if let holder { return .held(by: holder) }
            try await connection.query(
                """
                INSERT INTO refresh_attempts (id, location_id, generation, token_hash, node, started_at, lease_until)
                VALUES (\(attempt.id), \(attempt.locationId), \(attempt.generation), \(attempt.tokenHash),
                    \(attempt.node), \(attempt.startedAt.timeIntervalSince1970), \(attempt.leaseUntil.timeIntervalSince1970))
                """, logger: logger)
            try await connection.query(
                """
                DELETE FROM refresh_attempts WHERE location_id = \(attempt.locationId)
                    AND started_at < \(now.timeIntervalSince1970 - Self.journalRetention)
                """, logger: logger)
            return .granted
        }
    }

    public func finishRefresh(id: String, outcome: RefreshAttempt.Outcome, at date: Date) async throws {
        _ = try await rows(
            """
            UPDATE refresh_attempts SET outcome = \(outcome.rawValue), finished_at = \(date.timeIntervalSince1970)
            WHERE id = \(id)
            """)
    }

    public func refreshAttempts(locationId: String, limit: Int) async throws -> [RefreshAttempt] {
        try await rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.attemptColumns) FROM refresh_attempts WHERE location_id = $1
                    ORDER BY started_at DESC, id DESC LIMIT \(max(0, limit))
                    """, binds: Self.binds(locationId))
        ).map(Self.decodeAttempt)
    }

    static func decodeAttempt(_ row: PostgresRow) throws -> RefreshAttempt {
        let (id, locationId, generation, tokenHash, node, startedAt, leaseUntil, outcome, finishedAt) = try row.decode(
            (String, String, Int64, String, String, Double, Double, String?, Double?).self)
        return RefreshAttempt(
            id: id, locationId: locationId, generation: generation, tokenHash: tokenHash, node: node,
            startedAt: Date(timeIntervalSince1970: startedAt), leaseUntil: Date(timeIntervalSince1970: leaseUntil),
            outcome: outcome.flatMap(RefreshAttempt.Outcome.init(rawValue:)),
            finishedAt: finishedAt.map(Date.init(timeIntervalSince1970:)))
    }

    static func binds(_ values: any PostgresDynamicTypeEncodable...) -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return binds
    }
}
