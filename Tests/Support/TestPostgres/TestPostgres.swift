import Foundation
import GatewayPostgres
import Logging
import PostgresNIO

/// The PostgreSQL server the tests use: `TEST_POSTGRES_URL` (scripts/test starts a throwaway cluster and sets it).
///
/// Without it the tests that need PostgreSQL fail, saying so, unless `TEST_POSTGRES_OPTIONAL=1` (then they are not
/// run): a missing server must not pass for a green run.
public enum TestPostgres {
    public static var url: String? {
        ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the tests that need PostgreSQL run: always, unless it is absent and declared optional.
    public static var enabled: Bool {
        url != nil || ProcessInfo.processInfo.environment["TEST_POSTGRES_OPTIONAL"] != "1"
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "TEST_POSTGRES_URL is not set: run the tests through scripts/test (it starts a throwaway PostgreSQL), "
                + "or set TEST_POSTGRES_OPTIONAL=1 to leave these tests out"
        }
    }

    /// A new, empty database on the test server (or on the server at `serverURL`), for one test.
    public static func makeDatabase(on serverURL: String? = nil) async throws -> TestDatabase {
        guard let url = serverURL ?? url else { throw Missing() }
        let server = try PostgresURL(url)
        let name = "cgw_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin(server) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""), logger: logger)
        }
        return TestDatabase(server: server, name: name)
    }

    static let logger = Logger(label: "test-postgres")

    static func admin(_ server: PostgresURL, _ body: (PostgresConnection) async throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: try server.connectionConfiguration, id: 0, logger: logger)
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}

/// A database made for one test; ``drop()`` removes it (sessions still on it are ended).
public struct TestDatabase: Sendable {
    let server: PostgresURL
    public let name: String

    public var location: PostgresURL { server.with(database: name) }

    /// The database's URL, as `GATEWAY_DATABASE` takes it.
    public var url: String {
        let url = location
        let password = url.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        return "postgres://\(url.username)\(password)@\(url.host):\(url.port)/\(url.database)?sslmode=\(url.tls.rawValue)"
    }

    public func drop() async {
        try? await TestPostgres.admin(server) { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)"), logger: TestPostgres.logger)
        }
    }

    /// Runs `sql` on this database, as an operator (or an intruder) would.
    public func execute(_ sql: String) async throws {
        try await TestPostgres.admin(location) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.logger)
        }
    }

    /// The first column of each row of `sql`, as text.
    public func column(_ sql: String) async throws -> [String?] {
        var values: [String?] = []
        try await TestPostgres.admin(location) { connection in
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.logger)
                .decode(String?.self)
            {
                values.append(value)
            }
        }
        return values
    }
}
