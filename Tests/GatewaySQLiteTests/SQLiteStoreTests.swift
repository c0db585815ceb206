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

    /// (What a store must do with connections is in the conformance suite; here, what only a file can show.)
    @Test func tokensAreSealedOnDisk() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try open()
        try await store.save(connection())
        try await store.save(connection(access: "access-CCCC"))
        for file in [path, path + "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data()
            for secret in ["access-AAAA", "access-CCCC", "refresh-BBBB"] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in clear in \(file)")
            }
        }
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

    @Test func reopeningKeepsDataAndSchema() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try await open().save(connection())
        let again = try open()
        #expect(try await again.connection(locationId: "loc-1")?.accessToken == "access-AAAA")
        try await again.ping()
    }

    @Test func keysAreStoredByHashOnly() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try open()
        let format = KeyFormat(secret: secret)
        let generated = format.generate()
        let now = Date()
        try await store.insertKey(APIKey(id: generated.id, name: "k", role: "reader", secretHash: generated.hash,
                                         locations: ["a", "b"], rate: "10/s", burst: 5, createdAt: now))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data(generated.key.utf8)) == nil)
    }
}
