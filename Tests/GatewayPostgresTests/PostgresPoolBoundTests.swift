import Foundation
import GatewayCore
@testable import GatewayPostgres
import Logging
import PostgresNIO
import TestPostgres
import Testing

/// How long a use of the pool may take: a request's call fails closed at the answer timeout, while a walk of the
/// whole trail (verify, prune, copy) may run past it once it holds a connection (bench/audit: `audit verify` of
/// 260,000 records failed with "did not answer within 5 seconds" when the bound covered the walk too).
@Suite(.enabled(if: TestPostgres.enabled)) struct PostgresPoolBoundTests {
    let logger = Logger(label: "test")

    @Test func aLongWalkOutlastsTheAnswerTimeoutAndARequestsCallDoesNot() async throws {
        let database = try await TestPostgres.makeDatabase()
        defer { Task { await database.drop() } }
        let store = try await PostgresStore.open(url: database.location, secret: .generate(), logger: logger)
        let logger = logger
        let slow: @Sendable (PostgresConnection) async throws -> Int = { connection in
            try await connection.query("SELECT pg_sleep(2.5)", logger: logger)
            return 7
        }
        // A connection open in the pool first: under the whole suite's load, opening one took longer than the bound.
        #expect(try await store.pooled(.answer, timeout: .seconds(30)) { _ in 1 } == 1)
        #expect(try await store.pooled(.lease, timeout: .seconds(1), slow) == 7)
        await #expect(throws: PostgresStore.Unavailable.self) {
            try await store.pooled(.answer, timeout: .seconds(1), slow)
        }
        // The store still answers after the refused call.
        #expect(try await store.pooled(.answer, timeout: .seconds(30)) { _ in 1 } == 1)
        await store.close()
    }
}
