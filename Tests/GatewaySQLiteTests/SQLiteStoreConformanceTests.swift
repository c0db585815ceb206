import Foundation
import GatewayCore
import GatewaySQLite
import RepositoryConformance
import Testing

/// The conformance suite against a real SQLite file.
@Suite struct SQLiteStoreConformanceTests {
    @Test(arguments: RepositoryConformance.cases)
    func conforms(_ check: RepositoryConformance) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-conform-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(
            path: directory.appendingPathComponent("store.sqlite").path, cipher: TokenCipher(secret: GatewaySecret.generate()))
        try await check.run(on: store)
    }
}

/// The webhook cases against a real SQLite file.
@Suite struct SQLiteWebhookConformanceTests {
    @Test(arguments: WebhookConformance.cases)
    func conforms(_ check: WebhookConformance) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-conform-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(
            path: directory.appendingPathComponent("store.sqlite").path, cipher: TokenCipher(secret: GatewaySecret.generate()))
        try await check.run(on: store)
    }
}

/// The `store copy` cases from one real SQLite file into another, both sealed with one secret.
@Suite struct SQLiteStoreCopyConformanceTests {
    @Test(arguments: StoreCopyConformance.cases)
    func conforms(_ check: StoreCopyConformance) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-conform-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = GatewaySecret.generate()
        let source = try SQLiteStore(path: directory.appendingPathComponent("source.sqlite").path, cipher: TokenCipher(secret: secret))
        let target = try SQLiteStore(path: directory.appendingPathComponent("target.sqlite").path, cipher: TokenCipher(secret: secret))
        try await check.run(source: source, target: target)
    }
}
