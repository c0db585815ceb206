import Foundation
import GRDB
import GatewayCore

/// The embedded store: one SQLite file in WAL mode, shared safely by the server and CLI commands in other processes.
///
/// Upstream tokens are sealed with `TokenCipher` before they reach a row; the file never holds one in clear.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool
    let cipher: TokenCipher
    public let path: String

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String, cipher: TokenCipher) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        // The CLI and the server write the same file; wait for each other's short transactions instead of failing.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // FULL: a committed token rotation survives power loss too, not only a killed process.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        self.pool = try DatabasePool(path: path, configuration: configuration)
        self.cipher = cipher
        self.path = path
        try Self.migrator.migrate(pool)
    }

    /// Answers when the database does: for `/readyz`.
    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: connections, authorization states, keys, roles") { db in
            try db.execute(sql: """
                CREATE TABLE connections (
                    location_id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    access_token BLOB NOT NULL,
                    refresh_token BLOB,
                    issued_at REAL,
                    expires_at REAL,
                    scope TEXT,
                    company_id TEXT,
                    user_id TEXT,
                    status TEXT NOT NULL,
                    status_detail TEXT,
                    generation INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE authorization_states (
                    state TEXT PRIMARY KEY NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    used_at REAL
                );
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    secret_hash BLOB NOT NULL,
                    locations TEXT,
                    rate TEXT,
                    burst INTEGER,
                    expires_at REAL,
                    created_at REAL NOT NULL,
                    last_used_at REAL,
                    revoked_at REAL
                );
                CREATE TABLE roles (
                    name TEXT PRIMARY KEY NOT NULL,
                    scopes TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                """)
        }
        // Later schema changes are appended here, one named migration each, never edited once released.
        migrator.registerMigration("v2: key rotation grace") { db in
            try db.execute(sql: """
                ALTER TABLE api_keys ADD COLUMN previous_secret_hash BLOB;
                ALTER TABLE api_keys ADD COLUMN previous_expires_at REAL;
                """)
        }
        return migrator
    }
}
