import Foundation
import GRDB
import GatewayCore

/// The refresh journal (`refresh_attempts`): a claim is one IMMEDIATE transaction, so gateways sharing the file decide
/// their claims one at a time.
extension SQLiteStore: RefreshJournal {
    public func claimRefresh(_ attempt: RefreshAttempt, now: Date) async throws -> RefreshClaim {
        try await pool.writeWithoutTransaction { db in
            var claim = RefreshClaim.superseded
            try db.inTransaction(.immediate) {
                let stored = try Int64.fetchOne(
                    db, sql: "SELECT generation FROM connections WHERE location_id = ?", arguments: [attempt.locationId])
                guard stored == attempt.generation else { return .rollback }
                if let holder = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT * FROM refresh_attempts
                        WHERE location_id = ? AND generation = ? AND outcome IS NULL AND lease_until > ?
                        ORDER BY started_at DESC LIMIT 1
                        """,
                    arguments: [attempt.locationId, attempt.generation, now.timeIntervalSince1970])
                {
                    claim = .held(by: Self.decodeAttempt(holder))
                    return .rollback
                }
                try db.execute(
                    sql: """
                        INSERT INTO refresh_attempts (id, location_id, generation, token_hash, node, started_at, lease_until)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        attempt.id, attempt.locationId, attempt.generation, attempt.tokenHash, attempt.node,
                        attempt.startedAt.timeIntervalSince1970, attempt.leaseUntil.timeIntervalSince1970,
                    ])
                // Finished attempts are kept a month: enough to read what happened to a connection lately.
                try db.execute(
                    sql: "DELETE FROM refresh_attempts WHERE location_id = ? AND started_at < ?",
                    arguments: [attempt.locationId, now.timeIntervalSince1970 - 30 * 86_400])
                claim = .granted
                return .commit
            }
            return claim
        }
    }

    public func finishRefresh(id: String, outcome: RefreshAttempt.Outcome, at date: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE refresh_attempts SET outcome = ?, finished_at = ? WHERE id = ?",
                arguments: [outcome.rawValue, date.timeIntervalSince1970, id])
        }
    }

    public func refreshAttempts(locationId: String, limit: Int) async throws -> [RefreshAttempt] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM refresh_attempts WHERE location_id = ? ORDER BY started_at DESC, id DESC LIMIT ?",
                arguments: [locationId, max(0, limit)]
            ).map(Self.decodeAttempt)
        }
    }

    private static func decodeAttempt(_ row: Row) -> RefreshAttempt {
        RefreshAttempt(
            id: row["id"], locationId: row["location_id"], generation: row["generation"], tokenHash: row["token_hash"],
            node: row["node"], startedAt: Date(timeIntervalSince1970: row["started_at"]),
            leaseUntil: Date(timeIntervalSince1970: row["lease_until"]),
            outcome: (row["outcome"] as String?).flatMap(RefreshAttempt.Outcome.init(rawValue:)),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
