import GatewayMemoryStore
import RepositoryConformance
import Testing

@Suite struct InMemoryStoreConformanceTests {
    @Test(arguments: RepositoryConformance.cases)
    func conforms(_ check: RepositoryConformance) async throws {
        try await check.run(on: InMemoryStore())
    }
}

@Suite struct InMemoryWebhookConformanceTests {
    @Test(arguments: WebhookConformance.cases)
    func conforms(_ check: WebhookConformance) async throws {
        try await check.run(on: InMemoryStore())
    }
}

@Suite struct InMemoryStoreCopyConformanceTests {
    @Test(arguments: StoreCopyConformance.cases)
    func conforms(_ check: StoreCopyConformance) async throws {
        try await check.run(source: InMemoryStore(), target: InMemoryStore())
    }
}
