import Foundation
import GatewayCore
import Logging
import PostgresNIO
import Synchronization

/// The shared store: one PostgreSQL database that several gateways (and every CLI command) use at once.
///
/// Upstream tokens are sealed with `TokenCipher` before they reach a row, under a key derived from
/// `GATEWAY_SECRET_KEY`; the database keeps only a fingerprint of that secret (``GatewaySecret/storeFingerprint``), so
/// that a node started with another secret refuses to start instead of failing to open every token later.
///
/// The pool (`PostgresClient`) runs from ``open(url:secret:logger:)`` until ``close()``: the schema is migrated and the
/// seal checked before a server builds its services, so the client cannot wait for the service group to start it.
/// The audit writer appends from its own thread and must block; it uses a connection of its own
/// (``BlockingConnection``) through postgres-nio's future-based API, never the Swift concurrency pool.
public final class PostgresStore: StoreHealth, Sendable {
    let client: PostgresClient
    let cipher: TokenCipher
    let logger: Logger
    let writer: BlockingConnection
    public let url: PostgresURL
    private let runner: Task<Void, Never>

    /// Opening failed: one line that names the database and says what to do.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    private init(url: PostgresURL, client: PostgresClient, runner: Task<Void, Never>, cipher: TokenCipher, logger: Logger)
        throws
    {
        self.url = url
        self.client = client
        self.runner = runner
        self.cipher = cipher
        self.logger = logger
        self.writer = BlockingConnection(configuration: try url.connectionConfiguration, logger: logger)
    }

    /// Connects, brings the schema up to date under an advisory lock, and checks that the database was sealed with
    /// `secret` (sealing a new one with it).
    public static func open(url: PostgresURL, secret: GatewaySecret, logger: Logger) async throws -> PostgresStore {
        // The pool runs from here, so that it is running by the time the store is first used.
        var configuration = url.clientConfiguration
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        do {
            // Migrations on a connection of their own: an unreachable server fails this one attempt, with its
            // reason, where the pool would keep retrying.
            var direct = try url.connectionConfiguration
            direct.options.connectTimeout = .seconds(5)
            let connection = try await PostgresConnection.connect(configuration: direct, id: 0, logger: logger)
            let applied: [String]
            let seal: PostgresMigrations.Seal
            do {
                (applied, seal) = try await PostgresMigrations.apply(
                    on: connection, fingerprint: secret.storeFingerprint, now: Date().timeIntervalSince1970,
                    logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
            for name in applied { logger.notice("applied a schema migration", metadata: ["migration": "\(name)"]) }
            switch seal {
            case .matches: break
            case .sealedNow: logger.notice("sealed a new database with this GATEWAY_SECRET_KEY's fingerprint")
            case .mismatch(let stored):
                throw Unavailable(
                    description: "\(url.redacted) was sealed with another GATEWAY_SECRET_KEY (fingerprint \(stored), "
                        + "this node's is \(secret.storeFingerprint)): start every gateway with the same key")
            }
            return try PostgresStore(
                url: url, client: client, runner: runner, cipher: TokenCipher(secret: secret), logger: logger)
        } catch let error as Unavailable {
            runner.cancel()
            throw error
        } catch {
            runner.cancel()
            throw Unavailable(description: "cannot open \(url.redacted): \(Self.describe(error))")
        }
    }

    /// Closes the pool and the writer's connection. Calls after this fail.
    public func close() async {
        writer.close()
        runner.cancel()
        // After an outage, postgres-nio's `run()` was seen not to return once cancelled (a CI run hung here for
        // minutes; vapor/postgres-nio#599 is of that kind): a process that closes the store is done with it, so it
        // waits a few seconds at most, then lets the pool's task go.
        let runner = runner
        let resumed = Mutex(false)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let finish = { @Sendable in
                if resumed.withLock({ was in defer { was = true }; return !was }) { done.resume() }
            }
            Task {
                await runner.value
                finish()
            }
            Task {
                try? await Task.sleep(for: .seconds(5))
                finish()
            }
        }
    }

    /// Answers when the database does: for `/readyz`.
    public func ping() async throws {
        _ = try await rows("SELECT 1")
    }

    /// One line for an error from the database: postgres-nio's own description hides the server's message.
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}

extension PostgresStore {
    /// The most one use of the pool may take, the wait for a connection included. postgres-nio's pool waits for a
    /// connection for as long as the server is away (vapor/postgres-nio#489 and #565), which would hold a request,
    /// and `/readyz`, until the caller gave up; past this the store answers that the database is unavailable, and
    /// the gateway fails closed (503) at once.
    static let answerTimeout: Duration = .seconds(5)

    /// How long one use of the pool may take.
    enum Bound: Sendable {
        /// Everything within ``answerTimeout``: the calls of the request path, which must fail closed at once.
        case answer
        /// Only the wait for a connection within ``answerTimeout``: walks of the whole trail (verify, prune, copy)
        /// take as long as the trail is long (a trail of 260,000 records took over 5 s to verify), and a server that
        /// goes away while they run fails their queries anyway.
        case lease
    }

    /// Set once the pool has handed a connection over.
    private final class Leased: Sendable {
        let flag = Atomic<Bool>(false)
    }

    /// Runs `body` on a pooled connection, within `bound` (of `timeout`: a parameter for tests).
    func pooled<T: Sendable>(
        _ bound: Bound = .answer, timeout: Duration = answerTimeout,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let client = client
        let leased = Leased()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.flag.store(true, ordering: .releasing)
                    return try await body(connection)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                if bound == .lease, leased.flag.load(ordering: .acquiring) {
                    // Leased in time: wait for the body, until the group is done with it and cancels this.
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                }
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw Unavailable(description: "the database did not answer within \(timeout)")
            }
            return value
        }
    }

    /// Runs `body` in one transaction on a pooled connection.
    func transaction<T: Sendable>(
        _ bound: Bound = .answer, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = logger
        return try await pooled(bound) { connection in
            do {
                return try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
            } catch let error as PostgresTransactionError {
                // Rolled back cleanly: the body's own error (a refusal such as StoreNotEmpty) is the one to report.
                if let closure = error.closureError, error.beginError == nil, error.rollbackError == nil { throw closure }
                throw error
            }
        }
    }

    /// The rows of `query`, collected.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let logger = logger
        return try await pooled { connection in try await connection.query(query, logger: logger).collect() }
    }
}

extension PostgresConnection {
    /// The rows of `query`, collected.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}
