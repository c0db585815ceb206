import Foundation
import GRDB
import GatewayCore

extension SQLiteStore: ConsoleSessionRepository {
    public func insertConsoleSession(_ session: ConsoleSession) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO console_sessions (token_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [
                    session.tokenHash, session.keyId, session.createdAt.timeIntervalSince1970,
                    session.expiresAt.timeIntervalSince1970,
                ])
            // Sessions long over are of no use; the table stays small.
            try db.execute(
                sql: "DELETE FROM console_sessions WHERE expires_at < ?",
                arguments: [session.createdAt.timeIntervalSince1970 - 86_400])
        }
    }

    public func consoleSession(tokenHash: String, now: Date) async throws -> ConsoleSession? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM console_sessions WHERE token_hash = ? AND expires_at > ?",
                    arguments: [tokenHash, now.timeIntervalSince1970])
            else { return nil }
            return ConsoleSession(
                tokenHash: row["token_hash"], keyId: row["key_id"],
                createdAt: Date(timeIntervalSince1970: row["created_at"]),
                expiresAt: Date(timeIntervalSince1970: row["expires_at"]))
        }
    }

    @discardableResult
    public func deleteConsoleSession(tokenHash: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM console_sessions WHERE token_hash = ?", arguments: [tokenHash])
            return db.changesCount == 1
        }
    }
}
