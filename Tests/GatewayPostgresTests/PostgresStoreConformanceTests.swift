import Foundation
import GatewayCore
import GatewayPostgres
import Logging
import RepositoryConformance
import TestPostgres
import Testing

/// The conformance suite against a real PostgreSQL server, a new database for each case; one case at a time, so that
/// fourteen databases are not made at once beside the rest of the suite.
@Suite(.enabled(if: TestPostgres.enabled), .serialized) struct PostgresStoreConformanceTests {
    @Test(arguments: RepositoryConformance.cases)
    func conforms(_ check: RepositoryConformance) async throws {
        try await withFreshStore { try await check.run(on: $0) }
    }
}

/// The webhook cases against a real PostgreSQL server, a new database for each case.
@Suite(.enabled(if: TestPostgres.enabled), .serialized) struct PostgresWebhookConformanceTests {
    @Test(arguments: WebhookConformance.cases)
    func conforms(_ check: WebhookConformance) async throws {
        try await withFreshStore { try await check.run(on: $0) }
    }
}

/// The `store copy` cases from one new database into another, both sealed with one secret.
@Suite(.enabled(if: TestPostgres.enabled), .serialized) struct PostgresStoreCopyConformanceTests {
    @Test(arguments: StoreCopyConformance.cases)
    func conforms(_ check: StoreCopyConformance) async throws {
        let secret = GatewaySecret.generate()
        try await withFreshStore(secret: secret) { source in
            try await withFreshStore(secret: secret) { target in try await check.run(source: source, target: target) }
        }
    }
}

/// A store on a new database of its own, closed and dropped after `body` however it ends.
func withFreshStore(
    secret: GatewaySecret = .generate(), _ body: (PostgresStore) async throws -> Void
) async throws {
    let database = try await TestPostgres.makeDatabase()
    let store = try await PostgresStore.open(url: database.location, secret: secret, logger: Logger(label: "test"))
    do {
        try await body(store)
    } catch {
        await store.close()
        await database.drop()
        throw error
    }
    await store.close()
    await database.drop()
}
