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
        let database = try await TestPostgres.makeDatabase()
        let store = try await PostgresStore.open(
            url: database.location, secret: GatewaySecret.generate(), logger: Logger(label: "test"))
        do {
            try await check.run(on: store)
        } catch {
            await store.close()
            await database.drop()
            throw error
        }
        await store.close()
        await database.drop()
    }
}

/// The webhook cases against a real PostgreSQL server, a new database for each case.
@Suite(.enabled(if: TestPostgres.enabled), .serialized) struct PostgresWebhookConformanceTests {
    @Test(arguments: WebhookConformance.cases)
    func conforms(_ check: WebhookConformance) async throws {
        let database = try await TestPostgres.makeDatabase()
        let store = try await PostgresStore.open(
            url: database.location, secret: GatewaySecret.generate(), logger: Logger(label: "test"))
        do {
            try await check.run(on: store)
        } catch {
            await store.close()
            await database.drop()
            throw error
        }
        await store.close()
        await database.drop()
    }
}
