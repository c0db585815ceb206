import Foundation
import GatewayCore
import GatewayMemoryStore
import GatewaySQLite
import Synchronization
import Testing

/// The in-memory directory of keys: a key made by another process works at once, a flood of unknown ids costs the
/// store a bounded number of reads, and a followed store's changes are applied one key at a time.
struct KeyDirectoryTests {
    let secret = GatewaySecret.generate()
    var format: KeyFormat { KeyFormat(secret: secret) }

    @Test func aKeyMadeByAnotherProcessWorksAtOnce() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let server = try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
        let command = try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
        let clock = ManualWallClock()
        // The clock stands still: the directory's view is never stale, only the lookup can find the new key.
        let directory = KeyDirectory(keys: server, roles: server, format: format, clock: clock, refreshInterval: 3600)
        let first = try await KeyAdministration(keys: command, roles: command, format: format, clock: clock)
            .create(name: "first", role: "reader", by: .operator)
        _ = try await directory.authenticate(first.key)
        let made = try await KeyAdministration(keys: command, roles: command, format: format, clock: clock)
            .create(name: "made now", role: "reader", by: .operator)
        let principal = try await directory.authenticate(made.key)
        #expect(principal.keyId == made.id && principal.keyName == "made now")
        // Its custom role made a moment ago too.
        _ = try await RoleAdministration(repository: command, clock: clock)
            .create(name: "auditor2", scopes: ["contacts.readonly"], by: .operator)
        let withRole = try await KeyAdministration(keys: command, roles: command, format: format, clock: clock)
            .create(name: "with role", role: "auditor2", by: .operator)
        #expect(try await directory.authenticate(withRole.key).role.name == "auditor2")
        // A wrong secret for a found id is still refused.
        await #expect(throws: GatewayError.self) {
            _ = try await directory.authenticate(format.key(id: made.id, secret: String(repeating: "x", count: 32)))
        }
    }

    @Test func aFloodOfUnknownIdsReadsTheStoreABoundedNumberOfTimes() async throws {
        let store = CountingKeys(base: InMemoryStore())
        let clock = ManualWallClock()
        let directory = KeyDirectory(
            keys: store, roles: store.base, format: format, clock: clock, refreshInterval: 3600,
            unknownKeys: UnknownKeyCache(capacity: 1000, ttl: 2, lookupsPerSecond: 20))
        // 5,000 made-up keys in one instant, every one a different id: 20 lookups, the rest refused without one.
        for _ in 0..<5000 {
            let id = RandomToken.alphanumeric(KeyFormat.idLength, lowercaseOnly: true)
            await #expect(throws: GatewayError.self) {
                _ = try await directory.authenticate(format.key(id: id, secret: RandomToken.alphanumeric(32)))
            }
        }
        #expect(store.lookups == 20)
        #expect(store.fullReads == 1)
        // One id repeated is read once, until its TTL ends.
        clock.advance(by: 1)
        let repeated = format.key(id: "aaaaaaaaaaaa", secret: RandomToken.alphanumeric(32))
        for _ in 0..<1000 { _ = try? await directory.authenticate(repeated) }
        #expect(store.lookups == 21)
        clock.advance(by: 2)
        _ = try? await directory.authenticate(repeated)
        #expect(store.lookups == 22)
    }

    @Test func aFollowedStoreAppliesAChangedKeyWithoutReadingEveryKey() async throws {
        let base = InMemoryStore()
        let store = CountingKeys(base: base)
        let clock = ManualWallClock()
        let directory = KeyDirectory(
            keys: store, roles: base, format: format, clock: clock, refreshInterval: 1, followedRefreshInterval: 30)
        let admin = KeyAdministration(keys: base, roles: base, format: format, clock: clock)
        let keys = try await [admin.create(name: "a", role: "reader", by: .operator),
                              admin.create(name: "b", role: "reader", by: .operator)]
        await directory.apply(.following)
        _ = try await directory.authenticate(keys[0].key)
        #expect(store.fullReads == 1)
        try await admin.revoke(id: keys[0].id, by: .operator)
        await directory.apply(.changed(.key(id: keys[0].id)))
        await #expect(throws: GatewayError.self) { _ = try await directory.authenticate(keys[0].key) }
        _ = try await directory.authenticate(keys[1].key)
        // 29 s on: still the first full read; 30 s on, the safety reload.
        clock.advance(by: 29)
        _ = try await directory.authenticate(keys[1].key)
        #expect(store.fullReads == 1)
        clock.advance(by: 1)
        _ = try await directory.authenticate(keys[1].key)
        #expect(store.fullReads == 2)
        // The feed lost the store: back to reading everything every second until it follows again.
        await directory.apply(.interrupted)
        clock.advance(by: 1)
        _ = try await directory.authenticate(keys[1].key)
        #expect(store.fullReads == 3)
        await directory.apply(.following)
        _ = try await directory.authenticate(keys[1].key)
        #expect(store.fullReads == 4)
    }
}

/// A key repository that counts its reads, over a real one.
final class CountingKeys: KeyRepository {
    let base: InMemoryStore
    private let counts = Mutex<(lookups: Int, fullReads: Int)>((0, 0))
    var lookups: Int { counts.withLock { $0.lookups } }
    var fullReads: Int { counts.withLock { $0.fullReads } }

    init(base: InMemoryStore) { self.base = base }

    func insertKey(_ key: APIKey) async throws { try await base.insertKey(key) }
    func keys() async throws -> [APIKey] {
        counts.withLock { $0.fullReads += 1 }
        return try await base.keys()
    }
    func key(id: String) async throws -> APIKey? {
        counts.withLock { $0.lookups += 1 }
        return try await base.key(id: id)
    }
    func revokeKey(id: String, at date: Date) async throws -> Bool { try await base.revokeKey(id: id, at: date) }
    func rotateKey(id: String, secretHash: Data, previousValidUntil: Date?) async throws -> Bool {
        try await base.rotateKey(id: id, secretHash: secretHash, previousValidUntil: previousValidUntil)
    }
    func updateKey(_ key: APIKey) async throws -> Bool { try await base.updateKey(key) }
    func recordLastUsed(_ times: [String: Date]) async throws { try await base.recordLastUsed(times) }
}
