import Foundation
import GatewayCore
import GatewaySQLite
import Synchronization
import Testing

/// The change counter on a real file: a command's change (another store on the file) is reported, a last-used time
/// is not.
struct SQLiteChangeFeedTests {
    @Test func anotherProcessesChangeIsReportedAndLastUsedTimesAreNot() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("feed-\(UUID()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let secret = GatewaySecret.generate()
        let server = try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
        let command = try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
        let events = Mutex<[StoreChangeEvent]>([])
        let follower = Task {
            await SQLiteChangeFeed(store: server, interval: .milliseconds(20)).follow { event in
                events.withLock { $0.append(event) }
            }
        }
        defer { follower.cancel() }
        try await waitUntil { events.withLock { $0.contains(.following) } }
        let before = try await server.changeCount()
        try await command.insertKey(
            APIKey(id: "k1", name: "k", role: "reader", secretHash: Data([1]), locations: nil, rate: nil, burst: nil,
                   expiresAt: nil, createdAt: Date(timeIntervalSince1970: 1)))
        try await waitUntil { events.withLock { $0.last == .changed(.everything) } }
        let afterInsert = try await server.changeCount()
        #expect(afterInsert == before + 1)
        try await command.recordLastUsed(["k1": Date()])
        #expect(try await server.changeCount() == afterInsert)
        _ = try await command.revokeKey(id: "k1", at: Date())
        #expect(try await server.changeCount() == afterInsert + 1)
    }

    private func waitUntil(_ condition: @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TimedOut() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    struct TimedOut: Error {}
}
