import Foundation
import GatewayCore
import GatewaySQLite
import Logging
import ServiceLifecycle
import Testing

@testable import GatewayApp

/// The server's background checkpoint: it must never take the server down.
@Suite struct WALCheckpointServiceTests {
    @Test func aFailingCheckpointIsLoggedOnceAndTheServiceRunsUntilShutdown() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-walsvc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        let store = try SQLiteStore(path: path, cipher: TokenCipher(secret: GatewaySecret.generate()))
        // No new connection can open the file any more: every round fails.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)

        let capture = LogCapture()
        let service = WALCheckpointService(store: store, interval: .milliseconds(10), logger: capture.logger())
        let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "group")))
        let running = Task { try await group.run() }
        func warnings() -> Int { capture.text.components(separatedBy: "background WAL checkpoint failed").count - 1 }
        // Polled, not timed: a loaded test run may take a while to reach the first round.
        for _ in 0..<1000 where warnings() == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(200))
        // Warned after 20 failed rounds in a row, not at the first; many more failed meanwhile, each opening the store
        // again: still one warning for the spell.
        #expect(warnings() == 1)
        await group.triggerGracefulShutdown()
        // A service that had returned early would have ended the group with an error here.
        try await running.value
    }

    @Test func aShortSpellOfFailuresIsNotWorthAWarning() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-walsvc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        let store = try SQLiteStore(path: path, cipher: TokenCipher(secret: GatewaySecret.generate()))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)

        let capture = LogCapture()
        let service = WALCheckpointService(store: store, interval: .milliseconds(50), logger: capture.logger())
        let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "group")))
        let running = Task { try await group.run() }
        // A round or two of 50 ms fail (20 in a row would take a second), then the path opens again: SQLite creates a
        // file there, which is how the test knows a round succeeded.
        try await Task.sleep(for: .milliseconds(50))
        try FileManager.default.removeItem(atPath: path)
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: path) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(FileManager.default.fileExists(atPath: path))
        try await Task.sleep(for: .milliseconds(200))
        #expect(!capture.text.contains("background WAL checkpoint failed"))
        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test func theLogReachesTheDatabaseFileWithoutACommitCheckpoint() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-walsvc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        let store = try SQLiteStore(path: path, cipher: TokenCipher(secret: GatewaySecret.generate()))
        // Far below SQLite's 1,000-page checkpoint on commit: these pages stay in the log until someone copies them.
        for index in 0..<200 {
            try store.appendAudit([AuditEvent(
                time: Date(), requestId: "svc-\(index)", method: "GET", route: "GET /healthz", path: "/healthz",
                status: 200, outcome: .ok, upstreamAttempts: 0, durationMs: 1)])
        }
        func fileSize() throws -> Int { try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0 }
        let before = try fileSize()
        try await Task.sleep(for: .milliseconds(100))
        #expect(try fileSize() == before)

        let capture = LogCapture()
        let service = WALCheckpointService(store: store, interval: .milliseconds(10), logger: capture.logger())
        let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "group")))
        let running = Task { try await group.run() }
        var after = before
        for _ in 0..<200 where after == before {
            try await Task.sleep(for: .milliseconds(10))
            after = try fileSize()
        }
        #expect(after > before)
        #expect(!capture.text.contains("failed"))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try await store.verifyAudit().checked == 200)
    }
}
