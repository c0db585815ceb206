import Foundation
import GRDB
import GRDBSQLite
import GatewayCore
import Synchronization

/// The embedded store: one SQLite file in WAL mode, shared safely by the server and CLI commands in other processes.
///
/// Upstream tokens are sealed with `TokenCipher` before they reach a row; the file never holds one in clear.
public final class SQLiteStore: StoreHealth, Sendable {
    let pool: DatabasePool
    let cipher: TokenCipher
    public let path: String
    /// HighLevel's events, committed in groups: see ``acceptEvent(_:deliveries:)``.
    let eventIntake: GroupCommit<AcceptedEvent, EventAcceptance>
    /// Deliveries' outcomes, committed in groups: see ``recordDeliveryProgress(id:progress:)``.
    let deliveryOutcomes: GroupCommit<RecordedProgress, Bool>
    /// The subscriptions as last decoded, with the version they were read at: see ``subscriptions()``.
    let subscriptionsRead = Mutex<SubscriptionsRead?>(nil)
    /// This process's audit journal, when it keeps one: see ``journalAudit(indexEvery:size:logger:)``.
    let auditJournal = Mutex<AuditJournalIndexer?>(nil)

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String, cipher: TokenCipher) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try Self.restrictFileModes(path)
        var configuration = Configuration()
        // The CLI and the server write the same file; wait for each other's short transactions instead of failing.
        configuration.busyMode = .timeout(5)
        let pool = try DatabasePool(path: path, configuration: configuration)
        self.pool = pool
        // FULL: a committed token rotation or audit record survives power loss too, not only a killed process. Set on
        // the pool's one writer connection after the pool exists: GRDB sets `synchronous = NORMAL` when it switches
        // the file to WAL, after any `prepareDatabase` step, so setting it there had no effect.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        self.cipher = cipher
        self.path = path
        self.eventIntake = GroupCommit(label: "contacts-gateway.webhook-intake") { [pool] batch in
            try pool.write { db in try batch.map { try Self.insert($0, db) } }
        }
        self.deliveryOutcomes = GroupCommit(label: "contacts-gateway.delivery-outcomes") { [pool] batch in
            try pool.write { db in try batch.map { try Self.update($0, db) } }
        }
        try Self.migrator.migrate(pool)
        // A process that ended without writing its journal into the database (a crash, a kill) left it: whoever opens
        // the file next writes it, so that every command sees those records. Failing that (a read-only file), the
        // journal stays for the next process.
        _ = try? indexOrphanJournals()
    }

    /// The database holds sealed tokens, key hashes and the audit trail: only its owner reads it, like the key file.
    /// A new file is created 0600 before SQLite opens it, and SQLite gives its `-wal` and `-shm` files the mode of
    /// the database file; an existing file (and its companions) that others can read is narrowed to 0600.
    ///
    /// An existing file is never opened here: closing any descriptor of a file drops every POSIX lock this process
    /// holds on it, including those of SQLite connections already open on it (which corrupts the database).
    static func restrictFileModes(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        for file in [path, path + "-wal", path + "-shm"] {
            var status = stat()
            guard stat(file, &status) == 0, status.st_mode & 0o077 != 0 else { continue }
            chmod(file, status.st_mode & 0o700)
        }
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
        migrator.registerMigration("v3: audit trail") { db in
            // `seq` is the rowid: appends go to the end of the b-tree. Times in epoch ms, durations in µs: integers
            // read back exactly as they were hashed. Few indexes: each one costs every request a b-tree insert.
            try db.execute(sql: """
                CREATE TABLE audit_records (
                    seq INTEGER PRIMARY KEY NOT NULL,
                    time_ms INTEGER NOT NULL,
                    request_id TEXT NOT NULL,
                    key_id TEXT,
                    key_name TEXT,
                    role TEXT,
                    method TEXT NOT NULL,
                    route TEXT NOT NULL,
                    path TEXT NOT NULL,
                    location_id TEXT,
                    contact_id TEXT,
                    resource_id TEXT,
                    status INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    upstream_status INTEGER,
                    upstream_attempts INTEGER NOT NULL,
                    duration_us INTEGER NOT NULL,
                    client TEXT,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE INDEX audit_records_time ON audit_records(time_ms);
                CREATE INDEX audit_records_key ON audit_records(key_id);
                CREATE INDEX audit_records_location ON audit_records(location_id);
                -- One row at most: where verification starts after a prune.
                CREATE TABLE audit_checkpoint (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    seq INTEGER NOT NULL,
                    hash TEXT NOT NULL,
                    pruned_before_ms INTEGER NOT NULL,
                    pruned_at_ms INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4: authorization states hashed and bound to a location") { db in
            // States were kept in clear until now; the few still pending (15 minutes at most) cannot be matched by
            // hash, so they go: an admin starts again.
            try db.execute(sql: """
                DELETE FROM authorization_states;
                ALTER TABLE authorization_states ADD COLUMN location_id TEXT;
                """)
        }
        migrator.registerMigration("v5: audit records that stand for a run of requests") { db in
            try db.execute(sql: "ALTER TABLE audit_records ADD COLUMN count INTEGER")
        }
        migrator.registerMigration("v6: signed audit checkpoints") { db in
            // Append-only: a row is a signed note (C2SP signed-note, tlog-checkpoint text) as it was signed. `seq` (the
            // note's size) is where it is filed, for reading in seq order beside the records; verification checks it
            // against the note, the only part a signature covers.
            try db.execute(sql: """
                CREATE TABLE audit_signed_checkpoints (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    seq INTEGER NOT NULL,
                    note TEXT NOT NULL
                );
                CREATE INDEX audit_signed_checkpoints_seq ON audit_signed_checkpoints(seq);
                """)
        }
        migrator.registerMigration("v7: console sessions") { db in
            // Only the token's SHA-256 (ConsoleSession): the cookie itself is never stored.
            try db.execute(sql: """
                CREATE TABLE console_sessions (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    key_id TEXT NOT NULL,
                    created_at DOUBLE NOT NULL,
                    expires_at DOUBLE NOT NULL
                );
                CREATE INDEX console_sessions_expires_at ON console_sessions(expires_at);
                """)
        }
        migrator.registerMigration("v8: refresh journal") { db in
            // One row per try at spending a refresh token, committed before the token endpoint is called.
            try db.execute(sql: """
                CREATE TABLE refresh_attempts (
                    id TEXT PRIMARY KEY NOT NULL,
                    location_id TEXT NOT NULL,
                    generation INTEGER NOT NULL,
                    token_hash TEXT NOT NULL,
                    node TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    lease_until REAL NOT NULL,
                    outcome TEXT,
                    finished_at REAL
                );
                CREATE INDEX refresh_attempts_location ON refresh_attempts(location_id, started_at);
                """)
        }
        migrator.registerMigration("v9: the node of each audit record") { db in
            try db.execute(sql: "ALTER TABLE audit_records ADD COLUMN node TEXT")
        }
        migrator.registerMigration("v10: webhooks") { db in
            // Subscriptions (secrets sealed as tokens are), events taken once by id, and the delivery outbox: an
            // event and its deliveries are inserted in one transaction before HighLevel is answered.
            try db.execute(sql: """
                CREATE TABLE webhook_subscriptions (
                    id TEXT PRIMARY KEY NOT NULL,
                    url TEXT NOT NULL,
                    events TEXT NOT NULL,
                    locations TEXT NOT NULL,
                    enrich INTEGER NOT NULL,
                    secret BLOB NOT NULL,
                    created_at REAL NOT NULL,
                    disabled_at REAL,
                    disabled_reason TEXT
                );
                CREATE TABLE webhook_events (
                    id TEXT PRIMARY KEY NOT NULL,
                    type TEXT NOT NULL,
                    location_id TEXT,
                    contact_id TEXT,
                    source TEXT NOT NULL,
                    received_at REAL NOT NULL,
                    contact_updated_at REAL,
                    body BLOB NOT NULL
                );
                CREATE INDEX webhook_events_contact ON webhook_events(location_id, contact_id);
                CREATE TABLE webhook_deliveries (
                    id TEXT PRIMARY KEY NOT NULL,
                    subscription_id TEXT NOT NULL,
                    event_id TEXT NOT NULL REFERENCES webhook_events(id),
                    type TEXT NOT NULL,
                    location_id TEXT,
                    created_at REAL NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at REAL,
                    last_status INTEGER,
                    last_error TEXT,
                    lease_until REAL
                );
                CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
                CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries(subscription_id, created_at);
                CREATE TABLE reconciliation_cursors (
                    location_id TEXT PRIMARY KEY NOT NULL,
                    cursor REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("v11: a change counter for keys, roles and connections") { db in
            // Moved by triggers, so that commands in other processes move it too; a server reads this one row a few
            // times a second (SQLiteChangeFeed) instead of every key. Last-used times do not move it.
            var sql = """
                CREATE TABLE change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
                INSERT INTO change_counter (id, value) VALUES (1, 0);
                CREATE TRIGGER api_keys_changed_update AFTER UPDATE OF name, role, secret_hash, locations, rate, burst,
                    expires_at, revoked_at, previous_secret_hash, previous_expires_at ON api_keys
                BEGIN UPDATE change_counter SET value = value + 1; END;

                """
            for (table, event) in [
                ("api_keys", "INSERT"), ("api_keys", "DELETE"), ("roles", "INSERT"), ("roles", "UPDATE"),
                ("roles", "DELETE"), ("connections", "INSERT"), ("connections", "UPDATE"), ("connections", "DELETE"),
            ] {
                sql += """
                    CREATE TRIGGER \(table)_changed_\(event.lowercased()) AFTER \(event) ON \(table)
                    BEGIN UPDATE change_counter SET value = value + 1; END;

                    """
            }
            try db.execute(sql: sql)
        }
        migrator.registerMigration("v12: a version of the webhook subscriptions") { db in
            // Every event taken reads the subscriptions; with this one row, moved by triggers (so a command in
            // another process moves it too), the intake decodes them again only when they changed.
            var sql = """
                CREATE TABLE webhook_subscriptions_version (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
                INSERT INTO webhook_subscriptions_version (id, value) VALUES (1, 0);

                """
            for event in ["INSERT", "UPDATE", "DELETE"] {
                sql += """
                    CREATE TRIGGER webhook_subscriptions_changed_\(event.lowercased()) AFTER \(event) ON webhook_subscriptions
                    BEGIN UPDATE webhook_subscriptions_version SET value = value + 1; END;

                    """
            }
            try db.execute(sql: sql)
        }
        migrator.registerMigration("v13: the audit journals' progress") { db in
            // How many records of each process's audit journal are in audit_records (SQLiteStore+AuditJournal).
            try db.execute(sql: """
                CREATE TABLE audit_journal_progress (
                    journal TEXT PRIMARY KEY NOT NULL,
                    epoch INTEGER NOT NULL,
                    indexed INTEGER NOT NULL
                )
                """)
        }
        return migrator
    }
}

extension SQLiteStore {
    /// The SQLite library the store runs on, e.g. `3.46.1` (for `--version`).
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}
