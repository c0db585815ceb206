import Foundation
import GRDB
import GatewayCore

extension SQLiteStore: AuthorizationStateRepository {
    public func insertAuthorizationState(_ state: AuthorizationState) async throws {
        try await pool.write { db in
            // The `state` column holds the state's hash (see AuthorizationState).
            try db.execute(
                sql: "INSERT INTO authorization_states (state, location_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [
                    state.stateHash, state.locationId, state.createdAt.timeIntervalSince1970,
                    state.expiresAt.timeIntervalSince1970,
                ])
            // Old states are of no use; keeping the table small keeps this lookup cheap.
            try db.execute(
                sql: "DELETE FROM authorization_states WHERE expires_at < ?",
                arguments: [state.createdAt.timeIntervalSince1970 - 86_400])
        }
    }

    public func consumeAuthorizationState(hash: String, now: Date) async throws -> AuthorizationState? {
        try await pool.write { db in
            // One UPDATE decides: two callbacks racing with the same state cannot both succeed.
            try db.execute(
                sql: "UPDATE authorization_states SET used_at = ? WHERE state = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [now.timeIntervalSince1970, hash, now.timeIntervalSince1970])
            guard db.changesCount == 1,
                let row = try Row.fetchOne(db, sql: "SELECT * FROM authorization_states WHERE state = ?", arguments: [hash])
            else { return nil }
            return AuthorizationState(
                stateHash: row["state"], locationId: row["location_id"],
                createdAt: Date(timeIntervalSince1970: row["created_at"]),
                expiresAt: Date(timeIntervalSince1970: row["expires_at"]))
        }
    }
}
