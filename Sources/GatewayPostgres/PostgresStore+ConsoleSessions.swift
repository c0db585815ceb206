import Foundation
import GatewayCore
import PostgresNIO

/// Console sessions (`console_sessions`): only the token's SHA-256 is stored (see ``ConsoleSession``), so a copy of
/// the database, or a replica, signs nobody in.
extension PostgresStore: ConsoleSessionRepository {
    public func insertConsoleSession(_ session: ConsoleSession) async throws {
        try await transaction { [self] connection in
            try await connection.query(
                """
                INSERT INTO console_sessions (token_hash, key_id, created_at, expires_at)
                VALUES (\(session.tokenHash), \(session.keyId), \(session.createdAt.timeIntervalSince1970),
                    \(session.expiresAt.timeIntervalSince1970))
                """, logger: logger)
            // Sessions long over are of no use; the table stays small.
            try await connection.query(
                "DELETE FROM console_sessions WHERE expires_at < \(session.createdAt.timeIntervalSince1970 - 86_400)",
                logger: logger)
        }
    }

    public func consoleSession(tokenHash: String, now: Date) async throws -> ConsoleSession? {
        try await rows(
            """
            SELECT token_hash, key_id, created_at, expires_at FROM console_sessions
            WHERE token_hash = \(tokenHash) AND expires_at > \(now.timeIntervalSince1970)
            """
        ).first.map { row in
            let (tokenHash, keyId, createdAt, expiresAt) = try row.decode((String, String, Double, Double).self)
            return ConsoleSession(
                tokenHash: tokenHash, keyId: keyId, createdAt: Date(timeIntervalSince1970: createdAt),
                expiresAt: Date(timeIntervalSince1970: expiresAt))
        }
    }

    @discardableResult
    public func deleteConsoleSession(tokenHash: String) async throws -> Bool {
        try await !rows("DELETE FROM console_sessions WHERE token_hash = \(tokenHash) RETURNING 1").isEmpty
    }
}
