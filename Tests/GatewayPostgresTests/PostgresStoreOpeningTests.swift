import Foundation
import GatewayCore
import GatewayPostgres
import Logging
import TestPostgres
import Testing

/// Opening the shared store: migrations under the advisory lock, the seal, and what an operator is told.
@Suite(.enabled(if: TestPostgres.enabled)) struct PostgresStoreOpeningTests {
    let logger = Logger(label: "test")

    @Test func processesThatStartAtOnceApplyEachMigrationOnce() async throws {
        let database = try await TestPostgres.makeDatabase()
        defer { Task { await database.drop() } }
        let secret = GatewaySecret.generate()
        // Eight openers race on an empty database: each must find the schema whole, none may fail.
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<8 {
                group.addTask { try await PostgresStore.open(url: database.location, secret: secret, logger: logger) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 8)
        let names = try await database.column("SELECT name FROM gateway_migrations ORDER BY name")
        #expect(names.count == Set(names).count && !names.isEmpty)
        #expect(try await database.column("SELECT count(*)::text FROM gateway_seal") == ["1"])
        // Every opener works on the result.
        try await stores[3].insertKey(
            APIKey(id: "k1", name: "k", role: "reader", secretHash: Data([1]), locations: nil, rate: nil, burst: nil,
                   expiresAt: nil, createdAt: Date(timeIntervalSince1970: 1)))
        #expect(try await stores[5].key(id: "k1")?.name == "k")
        for store in stores { await store.close() }
    }

    @Test func aNodeWithAnotherSecretRefusesToStartWithOneLine() async throws {
        let database = try await TestPostgres.makeDatabase()
        defer { Task { await database.drop() } }
        let first = try await PostgresStore.open(url: database.location, secret: .generate(), logger: logger)
        await first.close()
        let stranger = GatewaySecret.generate()
        let error = try await #require(throws: PostgresStore.Unavailable.self) {
            _ = try await PostgresStore.open(url: database.location, secret: stranger, logger: logger)
        }
        #expect(error.description.contains("sealed with another GATEWAY_SECRET_KEY"))
        #expect(error.description.contains(stranger.storeFingerprint))
        #expect(!error.description.contains("\n") && !error.description.contains(stranger.base64))
        // The database keeps a fingerprint, never the secret.
        let stored = try await database.column("SELECT fingerprint FROM gateway_seal")
        #expect(stored.count == 1 && stored[0] != stranger.base64 && stored[0]?.count == 32)
    }

    @Test func anUnreachableDatabaseIsOneLineWithinSeconds() async throws {
        let started = ContinuousClock.now
        // Port 1 on loopback: nothing listens there, the connection is refused.
        let url = try PostgresURL("postgres://gateway:secret-password@127.0.0.1:1/gateway?sslmode=disable")
        let error = try await #require(throws: PostgresStore.Unavailable.self) {
            _ = try await PostgresStore.open(url: url, secret: .generate(), logger: logger)
        }
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(error.description.hasPrefix("cannot open postgres://gateway@127.0.0.1:1/gateway"))
        #expect(!error.description.contains("secret-password") && !error.description.contains("\n"))
    }

    @Test func urlsAreReadAsLibpqReadsThem() throws {
        let url = try PostgresURL("postgresql://us%40er:p%3Ass@db.example:6543/gw?sslmode=require")
        #expect(url.username == "us@er" && url.password == "p:ss" && url.host == "db.example" && url.port == 6543)
        #expect(url.database == "gw" && url.tls == .require && url.redacted == "postgres://us@er@db.example:6543/gw")
        let defaults = try PostgresURL("postgres://localhost")
        #expect(defaults.port == 5432 && defaults.username == "postgres" && defaults.database == "postgres")
        #expect(defaults.tls == .prefer)
        #expect(throws: PostgresURL.Invalid.self) { try PostgresURL("postgres://localhost/db?sslmode=maybe") }
        #expect(throws: PostgresURL.Invalid.self) { try PostgresURL("postgres:///db") }
        #expect(throws: PostgresURL.Invalid.self) { try PostgresURL("postgres://h/db?application=x") }
    }
}
