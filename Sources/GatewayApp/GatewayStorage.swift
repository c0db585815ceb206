import Foundation
import GatewayCore
import GatewayMemoryStore
import GatewayPostgres
import GatewaySQLite
import GatewaySettings
import Logging
import ServiceLifecycle

/// The store and the secret that protects what is in it, opened the same way by `serve` and every command.
public struct GatewayStorage: Sendable {
    public let repositories: GatewayRepositories
    public let secret: GatewaySecret
    /// Hashes and recognises local keys, under a key derived from `secret`.
    public let keyFormat: KeyFormat
    /// Signs the audit trail's checkpoints with the key derived from `secret`.
    public let checkpointSigner: AuditCheckpointSigner
    /// Background work the store needs while a server runs (SQLite: copying the WAL into the database file).
    public let services: [any Service]
    /// Tells a running server what other processes changed (keys, roles, connections); `nil`: poll as before.
    public let changeFeed: (any StoreChangeFeed)?
    /// One GCRA state per key for every gateway on the store (PostgreSQL); `nil`: each process keeps its own.
    public let rateLedger: (any SharedRateLedger)?
    /// One window of calls to HighLevel per location for every gateway on the store (PostgreSQL).
    public let upstreamLedger: (any SharedUpstreamLedger)?
    /// Where the store is, for messages (a PostgreSQL URL without its password).
    public let location: String
    /// Whether opening it made a new, empty one (only `serve` may): `serve` says where.
    public let created: Bool
    /// Lets go of the store: PostgreSQL's connections; on SQLite, a server's audit journal, written into the table and
    /// removed (a process that ends without it leaves the journal to the next one that opens the file).
    public let close: @Sendable () async -> Void

    public init(
        repositories: GatewayRepositories, secret: GatewaySecret, services: [any Service] = [],
        changeFeed: (any StoreChangeFeed)? = nil, rateLedger: (any SharedRateLedger)? = nil,
        upstreamLedger: (any SharedUpstreamLedger)? = nil, location: String, created: Bool = false,
        close: @escaping @Sendable () async -> Void = {}
    ) {
        self.close = close
        self.rateLedger = rateLedger
        self.upstreamLedger = upstreamLedger
        self.changeFeed = changeFeed
        self.repositories = repositories
        self.secret = secret
        self.keyFormat = KeyFormat(secret: secret)
        self.checkpointSigner = AuditCheckpointSigner(secret: secret)
        self.services = services
        self.location = location
        self.created = created
    }

    /// Everything in memory: for router-level tests.
    public static func inMemory(secret: GatewaySecret = .generate()) -> GatewayStorage {
        GatewayStorage(repositories: GatewayRepositories(store: InMemoryStore()), secret: secret, location: "memory")
    }

    /// Why a store was not opened: one line that names it and says what to do.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens the store the settings name. Only `serve` may create an SQLite file (`creating`): a command pointed at a
    /// path where no database is must say so, not quietly work on a new, empty one that no server reads. A PostgreSQL
    /// database is made by its operator; `serve` and every command bring its schema up to date.
    ///
    /// `serving`: for a server, whose audit records on SQLite go through a journal of its own (see
    /// ``SQLiteStore/journalAudit(indexEvery:size:logger:)``) until `close`; commands write no records.
    public static func open(_ settings: GatewaySettings, creating: Bool, serving: Bool = false, logger: Logger)
        async throws -> GatewayStorage
    {
        switch settings.database {
        case .sqlite(let path):
            let exists = FileManager.default.fileExists(atPath: path)
            guard exists || creating else {
                // A relative path is named as the absolute one it is here: run from another directory, it is
                // the directory that is wrong, not the database.
                let absolute = path.hasPrefix("/")
                    ? "" : ", that is " + FileManager.default.currentDirectoryPath + "/" + path
                throw Unavailable(
                    description: "no database at \(path) (from \(settings.database)\(absolute)): check --database "
                        + "or GATEWAY_DATABASE; only `contacts-gateway serve` creates one")
            }
            let secret = try settings.secretKey ?? GatewaySecret.loadOrCreateKeyFile(path + ".key", creating: creating)
            let tuning = settings.tuning
            // Migrations, waits for another process's lock and the journal's preallocation block their thread.
            let store = try await BlockingWork.run {
                let store = try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
                if serving {
                    do {
                        try store.journalAudit(
                            indexEvery: tuning.auditIndexInterval, size: tuning.auditJournalSize, logger: logger)
                    } catch {
                        throw Unavailable(description: "cannot keep the audit journal beside \(path): \(error)")
                    }
                }
                return store
            }
            if !exists { logger.notice("created a new database", metadata: ["path": "\(path)"]) }
            return GatewayStorage(
                repositories: GatewayRepositories(store: store), secret: secret,
                services: [
                    WALCheckpointService(store: store, interval: settings.tuning.walCheckpointInterval, logger: logger)
                ],
                changeFeed: SQLiteChangeFeed(store: store), location: path, created: !exists,
                close: { store.closeAuditJournal() })
        case .postgres(let text):
            let url: PostgresURL
            do {
                url = try PostgresURL(text)
            } catch {
                throw Unavailable(description: "GATEWAY_DATABASE: \(error)")
            }
            // Every gateway on the database must seal and open tokens alike: a key file per machine would differ.
            guard let secret = settings.secretKey else {
                throw Unavailable(
                    description: "GATEWAY_SECRET_KEY is required with PostgreSQL (\(url.redacted)), the same on every "
                        + "gateway: make one with `openssl rand -base64 32`")
            }
            let store: PostgresStore
            do {
                store = try await PostgresStore.open(url: url, secret: secret, logger: logger)
            } catch let error as PostgresStore.Unavailable {
                throw Unavailable(description: error.description)
            }
            return GatewayStorage(
                repositories: GatewayRepositories(store: store), secret: secret,
                changeFeed: try PostgresChangeFeed(url: url, logger: logger), rateLedger: store, upstreamLedger: store,
                location: url.redacted,
                close: { await store.close() })
        }
    }
}
