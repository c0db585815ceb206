import Foundation
import GatewayCore
import GatewayPostgres
import Logging
import Synchronization
import TestPostgres
import Testing

/// LISTEN/NOTIFY on the real engine: a change committed by another store (another gateway, or a command) is reported
/// to a follower within a second, one key at a time.
@Suite(.enabled(if: TestPostgres.enabled)) struct PostgresChangeFeedTests {
    let logger = Logger(label: "test")

    @Test func changesCommittedElsewhereAreReportedWithinASecond() async throws {
        let database = try await TestPostgres.makeDatabase()
        defer { Task { await database.drop() } }
        let secret = GatewaySecret.generate()
        let other = try await PostgresStore.open(url: database.location, secret: secret, logger: logger)
        let feed = try PostgresChangeFeed(url: database.location, logger: logger)
        let events = Mutex<[StoreChangeEvent]>([])
        let follower = Task { await feed.follow { event in events.withLock { $0.append(event) } } }
        defer { follower.cancel() }
        try await waitUntil { events.withLock { $0.first == .following } }
        let key = APIKey(
            id: "k1", name: "k", role: "reader", secretHash: Data([1]), locations: nil, rate: nil, burst: nil,
            expiresAt: nil, createdAt: Date(timeIntervalSince1970: 1))
        try await other.insertKey(key)
        // From the commit: what the insert itself takes on a loaded machine is not the feed's delay.
        let started = ContinuousClock.now
        try await waitUntil { events.withLock { $0.contains(.changed(.key(id: "k1"))) } }
        #expect(ContinuousClock.now - started < .seconds(1))
        // A last-used time is not a change anyone must hear of; a revocation is.
        try await other.recordLastUsed(["k1": Date()])
        _ = try await other.revokeKey(id: "k1", at: Date())
        try await waitUntil { events.withLock { $0.filter { $0 == .changed(.key(id: "k1")) }.count == 2 } }
        try await Task.sleep(for: .milliseconds(200))
        #expect(events.withLock { $0.filter { $0 == .changed(.key(id: "k1")) }.count } == 2)
        _ = try await other.insertRole(Role(name: "r1", scopes: [.contactsReadonly]), at: Date())
        try await waitUntil { events.withLock { $0.contains(.changed(.role(name: "r1"))) } }
        await other.close()
    }

    private func waitUntil(_ condition: @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TimedOut() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    struct TimedOut: Error {}
}
