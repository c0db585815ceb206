import Foundation
import GRDB
import GatewayCore
import Testing

@testable import GatewaySQLite

/// The store against a real SQLite file in a temporary directory.
@Suite struct SQLiteStoreTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-sqlite-\(UUID().uuidString)")
    var path: String { directory.appendingPathComponent("store.sqlite").path }
    let secret = GatewaySecret.generate()

    func open() throws -> SQLiteStore { try SQLiteStore(path: path, cipher: TokenCipher(secret: secret)) }

    func connection(_ location: String = "loc-1", access: String = "access-AAAA", refresh: String? = "refresh-BBBB") -> Connection {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return Connection(
            locationId: location, kind: .oauth, accessToken: access, refreshToken: refresh, accessTokenIssuedAt: now,
            accessTokenExpiresAt: now.addingTimeInterval(86_399), scope: "contacts.readonly", companyId: "co",
            userId: "u", createdAt: now, updatedAt: now)
    }

    /// Every commit (token rotation, audit batch) is fsynced: `synchronous = FULL` (2) on the connection that writes.
    @Test func theWriterSyncsEveryCommit() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try open()
        let level = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 2)
        let mode = try await store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func connectionsRoundTripAndTokensAreSealedOnDisk() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try open()
        let saved = try await store.save(connection())
        #expect(saved.generation == 1)
        let read = try #require(try await store.connection(locationId: "loc-1"))
        #expect(read == saved)
        let replaced = try await store.save(connection(access: "access-CCCC"))
        #expect(replaced.generation == 2)
        let all = try await store.connections()
        #expect(all.map(\.locationId) == ["loc-1"])
        for file in [path, path + "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data()
            for secret in ["access-AAAA", "access-CCCC", "refresh-BBBB"] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in clear in \(file)")
            }
        }
    }

    @Test func refreshCommitsOnlyOverTheExpectedGeneration() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try open()
        let first = try await store.save(connection())
        var next = first
        next.accessToken = "access-2"
        next.refreshToken = "refresh-2"
        next.generation = 2
        #expect(try await store.commitRefresh(next, expectedGeneration: 1))
        // A second writer that read generation 1 loses and changes nothing.
        var stale = first
        stale.refreshToken = "refresh-stale"
        stale.generation = 2
        #expect(try await !store.commitRefresh(stale, expectedGeneration: 1))
        #expect(try await store.connection(locationId: "loc-1")?.refreshToken == "refresh-2")
        // Marking dead is compare-and-swap too.
        #expect(try await !store.markNeedsAuthorization(locationId: "loc-1", expectedGeneration: 1, detail: "x"))
        #expect(try await store.markNeedsAuthorization(locationId: "loc-1", expectedGeneration: 2, detail: "refused"))
        let dead = try #require(try await store.connection(locationId: "loc-1"))
        #expect(dead.status == .needsAuthorization)
        #expect(dead.statusDetail == "refused")
        #expect(dead.refreshToken == "refresh-2")
    }

    @Test func aRowMovedToAnotherLocationDoesNotDecrypt() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try open()
        try await store.save(connection("loc-a"))
        try await store.save(connection("loc-b", access: "other"))
        try await store.pool.write { db in
            try db.execute(sql: """
                UPDATE connections SET access_token = (SELECT access_token FROM connections WHERE location_id = 'loc-a')
                WHERE location_id = 'loc-b'
                """)
        }
        await #expect(throws: TokenCipher.OpenError.self) { _ = try await store.connection(locationId: "loc-b") }
    }

    @Test func anotherSecretCannotReadTheTokens() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try await open().save(connection())
        let other = try SQLiteStore(path: path, cipher: TokenCipher(secret: GatewaySecret.generate()))
        await #expect(throws: TokenCipher.OpenError.self) { _ = try await other.connection(locationId: "loc-1") }
    }

    @Test func authorizationStatesAreSingleUseAndExpire() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try open()
        let now = Date()
        try await store.insertAuthorizationState(.init(stateHash: "s1", createdAt: now, expiresAt: now.addingTimeInterval(60)))
        try await store.insertAuthorizationState(.init(stateHash: "s2", createdAt: now, expiresAt: now.addingTimeInterval(60)))
        // Twenty racing callbacks with the same state: exactly one wins.
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 { group.addTask { try await store.consumeAuthorizationState(hash: "s1", now: now) != nil } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
        #expect(try await store.consumeAuthorizationState(hash: "unknown", now: now) == nil)
        #expect(try await store.consumeAuthorizationState(hash: "s2", now: now.addingTimeInterval(61)) == nil)
    }

    @Test func reopeningKeepsDataAndSchema() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try await open().save(connection())
        let again = try open()
        #expect(try await again.connection(locationId: "loc-1")?.accessToken == "access-AAAA")
        try await again.ping()
    }

    @Test func keysAreStoredByHashAndRevokedOnce() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try open()
        let format = KeyFormat(secret: secret)
        let generated = format.generate()
        let now = Date()
        try await store.insertKey(APIKey(id: generated.id, name: "k", role: "reader", secretHash: generated.hash,
                                         locations: ["a", "b"], rate: "10/s", burst: 5, createdAt: now))
        let key = try #require(try await store.key(id: generated.id))
        #expect(key.locations == ["a", "b"])
        #expect(key.revokedAt == nil)
        #expect(try await store.revokeKey(id: generated.id, at: now))
        #expect(try await store.key(id: generated.id)?.revokedAt != nil)
        #expect(try await !store.revokeKey(id: "missing", at: now))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data(generated.key.utf8)) == nil)
    }
}
