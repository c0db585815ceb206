import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// One connection used by blocking callers: the audit writer's thread, which must return only once its batch is
/// committed. Works through postgres-nio's `EventLoopFuture` API and waits on the futures, so a caller blocks only
/// its own thread, never a thread of the Swift concurrency pool that the query would need to finish.
///
/// Callers take turns (a lock); a connection that failed is dropped and the next call connects anew, so the writer
/// recovers by itself when the database comes back.
final class BlockingConnection: Sendable {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let state = NIOLockedValueBox<(connection: PostgresConnection?, closed: Bool)>((nil, false))
    private let turn = NIOLock()

    init(configuration: PostgresConnection.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` with the connection, one caller at a time. On an error the connection is closed and forgotten.
    func run<T>(_ body: (Session) throws -> T) throws -> T {
        try turn.withLock {
            let connection = try connected()
            do {
                return try body(Session(connection: connection, logger: logger))
            } catch {
                state.withLockedValue { $0.connection = nil }
                Self.close(connection)
                throw error
            }
        }
    }

    /// A store let go without ``close()`` (a command that ends) still closes its connection properly.
    deinit {
        if let connection = state.withLockedValue({ $0.connection }) { Self.close(connection) }
    }

    func close() {
        let connection = state.withLockedValue { state -> PostgresConnection? in
            state.closed = true
            defer { state.connection = nil }
            return state.connection
        }
        if let connection { Self.close(connection) }
    }

    /// Closes `connection`, keeping it alive until the channel is closed: postgres-nio asserts that a connection is
    /// closed before it is freed.
    private static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    private func connected() throws -> PostgresConnection {
        let (existing, closed) = state.withLockedValue { ($0.connection, $0.closed) }
        guard !closed else { throw Closed() }
        if let existing {
            if !existing.isClosed { return existing }
            Self.close(existing)
        }
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1, logger: logger
        ).wait()
        state.withLockedValue { $0.connection = connection }
        return connection
    }

    struct Closed: Error, CustomStringConvertible {
        var description: String { "the store was closed" }
    }

    /// The connection, to a blocking caller.
    struct Session {
        let connection: PostgresConnection
        let logger: Logger

        @discardableResult
        func query(_ query: PostgresQuery) throws -> PostgresQueryResult {
            try connection.query(query, logger: logger).wait()
        }

        /// `body` between BEGIN and COMMIT; ROLLBACK when it throws.
        func transaction<T>(_ body: () throws -> T) throws -> T {
            try query("BEGIN")
            do {
                let value = try body()
                try query("COMMIT")
                return value
            } catch {
                _ = try? query("ROLLBACK")
                throw error
            }
        }
    }
}
