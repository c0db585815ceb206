import Foundation
import GatewayCore
import GatewaySQLite
import Logging
import ServiceLifecycle
import Testing

@testable import GatewayApp

/// The server's background checkpoint: it must never take the server down.
@Suite struct WALCheckpointServiceTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-walsvc-\(UUID().uuidString)")
    var path: String { directory.appendingPathComponent("store.sqlite").path }
    let capture = LogCapture()
    static let warning = "background WAL checkpoint failed"

    let secret = GatewaySecret.generate()

    func openStore() throws -> SQLiteStore {
        try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
    }

    /// The file replaced by a directory: the store's open connections keep working, a new one cannot open.
    func makeUnopenable() throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    /// Runs the service in a ServiceGroup, as the server does, around `body`; then shuts it down gracefully. A service
    /// that had returned early would have ended the group with an error, which `running.value` rethrows.
    func withService(
        _ store: SQLiteStore, interval: Duration, _ body: () async throws -> Void
    ) async throws {
        let service = WALCheckpointService(store: store, interval: interval, logger: capture.logger())
        let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "group")))
        let running = Task { try await group.run() }
        try await body()
        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test func aFailingCheckpointIsLoggedOnceAndTheServiceRunsUntilShutdown() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try openStore()
        try makeUnopenable()
        try await withService(store, interval: .milliseconds(10)) {
            func warnings() -> Int { capture.text.components(separatedBy: Self.warning).count - 1 }
            // Polled, not timed: a loaded test run may take a while to reach the first round.
            for _ in 0..<1000 where warnings() == 0 { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(200))
            // Warned after 20 failed rounds in a row, not at the first; many more failed meanwhile, each opening the
            // store again: still one warning for the spell.
            #expect(warnings() == 1)
        }
    }

    @Test func aShortSpellOfFailuresIsNotWorthAWarning() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try openStore()
        try makeUnopenable()
        try await withService(store, interval: .milliseconds(50)) {
            // A round or two of 50 ms fail (20 in a row would take a second), then the path opens again: SQLite
            // creates a file there, which is how the test knows a round succeeded.
            try await Task.sleep(for: .milliseconds(50))
            try FileManager.default.removeItem(atPath: path)
            for _ in 0..<500 where !FileManager.default.fileExists(atPath: path) {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(FileManager.default.fileExists(atPath: path))
            try await Task.sleep(for: .milliseconds(200))
            #expect(!capture.text.contains(Self.warning))
        }
    }

    @Test func theLogReachesTheDatabaseFileWithoutACommitCheckpoint() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try openStore()
        // Far below SQLite's 1,000-page checkpoint on commit: these pages stay in the log until someone copies them.
        for index in 0..<200 {
            try store.appendAudit([AuditRecord(
                time: Date(), requestId: "svc-\(index)", method: "GET", route: "GET /healthz", path: "/healthz",
                status: 200, outcome: .ok, upstreamAttempts: 0, durationMs: 1)])
        }
        func fileSize() throws -> Int { try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0 }
        let before = try fileSize()
        try await Task.sleep(for: .milliseconds(100))
        #expect(try fileSize() == before)

        try await withService(store, interval: .milliseconds(10)) {
            var after = before
            for _ in 0..<200 where after == before {
                try await Task.sleep(for: .milliseconds(10))
                after = try fileSize()
            }
            #expect(after > before)
            #expect(!capture.text.contains("failed"))
        }
        #expect(try await store.verifyAudit(key: AuditCheckpointSigner(secret: secret).publicKey).checked == 200)
    }
}
