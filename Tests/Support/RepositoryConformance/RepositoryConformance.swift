import Foundation
import GatewayCore
import Testing

/// What every store must do, written once: the SQLite, PostgreSQL and in-memory stores each run every case.
///
///     @Test(arguments: RepositoryConformance.cases)
///     func conforms(_ check: RepositoryConformance) async throws { try await check.run(on: try makeStore()) }
public struct RepositoryConformance: Sendable, CustomTestStringConvertible {
    public typealias Store = KeyRepository & RoleRepository & ConnectionRepository & AuthorizationStateRepository
    public let name: String
    let body: @Sendable (any Store) async throws -> Void

    public var testDescription: String { name }

    public func run(on store: any Store) async throws { try await body(store) }

    /// Whole seconds: every store keeps at least that precision.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func key(_ id: String, role: String = "reader", createdAt: Date = now) -> APIKey {
        APIKey(
            id: id, name: "key \(id)", role: role, secretHash: Data("hash-\(id)".utf8), locations: ["loc-a", "loc-b"],
            rate: "10/s", burst: 5, expiresAt: createdAt.addingTimeInterval(86_400), createdAt: createdAt)
    }

    static func connection(_ location: String = "loc-1", access: String = "access-1", refresh: String? = "refresh-1")
        -> Connection
    {
        Connection(
            locationId: location, kind: .oauth, accessToken: access, refreshToken: refresh, accessTokenIssuedAt: now,
            accessTokenExpiresAt: now.addingTimeInterval(86_399), scope: "contacts.readonly", companyId: "co",
            userId: "u", createdAt: now, updatedAt: now)
    }

    public static let cases: [RepositoryConformance] = [
        .init(name: "keys come back as they were stored, oldest first") { store in
            try await store.insertKey(key("bbbbbbbbbbbb", createdAt: now))
            try await store.insertKey(key("aaaaaaaaaaaa", createdAt: now.addingTimeInterval(1)))
            var minimal = key("cccccccccccc", createdAt: now.addingTimeInterval(2))
            (minimal.locations, minimal.rate, minimal.burst, minimal.expiresAt) = (nil, nil, nil, nil)
            try await store.insertKey(minimal)
            #expect(try await store.keys().map(\.id) == ["bbbbbbbbbbbb", "aaaaaaaaaaaa", "cccccccccccc"])
            #expect(try await store.key(id: "bbbbbbbbbbbb") == key("bbbbbbbbbbbb", createdAt: now))
            #expect(try await store.key(id: "cccccccccccc") == minimal)
            #expect(try await store.key(id: "missing") == nil)
        },
        .init(name: "a key is revoked once, at its first revocation") { store in
            try await store.insertKey(key("k1"))
            #expect(try await store.revokeKey(id: "k1", at: now.addingTimeInterval(5)))
            #expect(try await store.revokeKey(id: "k1", at: now.addingTimeInterval(9)))
            #expect(try await store.key(id: "k1")?.revokedAt == now.addingTimeInterval(5))
            #expect(try await !store.revokeKey(id: "missing", at: now))
        },
        .init(name: "rotation keeps the old secret only for its grace, and never on a revoked key") { store in
            try await store.insertKey(key("k1"))
            #expect(try await store.rotateKey(id: "k1", secretHash: Data("new".utf8), previousValidUntil: now.addingTimeInterval(60)))
            var rotated = try #require(try await store.key(id: "k1"))
            #expect(rotated.secretHash == Data("new".utf8) && rotated.previousSecretHash == Data("hash-k1".utf8))
            #expect(rotated.previousSecretExpiresAt == now.addingTimeInterval(60))
            #expect(try await store.rotateKey(id: "k1", secretHash: Data("newer".utf8), previousValidUntil: nil))
            rotated = try #require(try await store.key(id: "k1"))
            #expect(rotated.secretHash == Data("newer".utf8) && rotated.previousSecretHash == nil)
            #expect(rotated.previousSecretExpiresAt == nil)
            _ = try await store.revokeKey(id: "k1", at: now)
            #expect(try await !store.rotateKey(id: "k1", secretHash: Data("x".utf8), previousValidUntil: nil))
            #expect(try await !store.rotateKey(id: "missing", secretHash: Data("x".utf8), previousValidUntil: nil))
        },
        .init(name: "last-used times never move backwards") { store in
            try await store.insertKey(key("k1"))
            try await store.recordLastUsed(["k1": now.addingTimeInterval(10), "missing": now])
            try await store.recordLastUsed(["k1": now.addingTimeInterval(5)])
            #expect(try await store.key(id: "k1")?.lastUsedAt == now.addingTimeInterval(10))
        },
        .init(name: "roles: one of each name, deleted only when no unrevoked key has them") { store in
            #expect(try await store.insertRole(Role(name: "support", scopes: [.contactsReadonly, .auditRead]), at: now))
            #expect(try await !store.insertRole(Role(name: "support", scopes: [.contactsWrite]), at: now))
            #expect(try await store.insertRole(Role(name: "alpha", scopes: [.keysManage]), at: now))
            let roles = try await store.customRoles()
            #expect(roles.map(\.name) == ["alpha", "support"])
            #expect(roles.last?.scopes == [.contactsReadonly, .auditRead] && roles.allSatisfy { !$0.builtIn })
            try await store.insertKey(key("k1", role: "support"))
            try await store.insertKey(key("k2", role: "support", createdAt: now.addingTimeInterval(1)))
            #expect(try await store.deleteRole(name: "support") == .inUse(keyIds: ["k1", "k2"]))
            _ = try await store.revokeKey(id: "k1", at: now)
            _ = try await store.revokeKey(id: "k2", at: now)
            #expect(try await store.deleteRole(name: "support") == .deleted)
            #expect(try await store.deleteRole(name: "support") == .notFound)
            #expect(try await store.customRoles().map(\.name) == ["alpha"])
        },
        .init(name: "connections: saving bumps the generation, tokens come back in clear") { store in
            let first = try await store.save(connection())
            #expect(first.generation == 1)
            #expect(try await store.connection(locationId: "loc-1") == first)
            let replaced = try await store.save(connection(access: "access-2"))
            #expect(replaced.generation == 2 && replaced.accessToken == "access-2")
            _ = try await store.save(connection("loc-0"))
            #expect(try await store.connections().map(\.locationId) == ["loc-0", "loc-1"])
            #expect(try await store.connection(locationId: "nowhere") == nil)
            #expect(try await store.removeConnection(locationId: "loc-0"))
            #expect(try await !store.removeConnection(locationId: "loc-0"))
        },
        .init(name: "a refresh commits only over the generation it read") { store in
            let first = try await store.save(connection())
            var next = first
            (next.accessToken, next.refreshToken, next.generation) = ("access-2", "refresh-2", 2)
            #expect(try await store.commitRefresh(next, expectedGeneration: 1))
            var stale = first
            (stale.refreshToken, stale.generation) = ("refresh-stale", 2)
            #expect(try await !store.commitRefresh(stale, expectedGeneration: 1))
            #expect(try await store.connection(locationId: "loc-1")?.refreshToken == "refresh-2")
            #expect(try await !store.markNeedsAuthorization(locationId: "loc-1", expectedGeneration: 1, detail: "x"))
            #expect(try await store.markNeedsAuthorization(locationId: "loc-1", expectedGeneration: 2, detail: "refused"))
            let dead = try #require(try await store.connection(locationId: "loc-1"))
            #expect(dead.status == .needsAuthorization && dead.statusDetail == "refused")
            #expect(dead.refreshToken == "refresh-2" && dead.generation == 2)
            // A later refresh (a new authorization's) makes it active again.
            var revived = dead
            (revived.generation, revived.status) = (3, .active)
            #expect(try await store.commitRefresh(revived, expectedGeneration: 2))
            let active = try #require(try await store.connection(locationId: "loc-1"))
            #expect(active.status == .active && active.statusDetail == nil)
        },
        .init(name: "an authorization state is used once, and not after it expires") { store in
            try await store.insertAuthorizationState(
                .init(stateHash: "s1", locationId: "loc-a", createdAt: now, expiresAt: now.addingTimeInterval(60)))
            try await store.insertAuthorizationState(.init(stateHash: "s2", createdAt: now, expiresAt: now.addingTimeInterval(60)))
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 { group.addTask { try await store.consumeAuthorizationState(hash: "s1", now: now) != nil } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(winners == 1)
            #expect(try await store.consumeAuthorizationState(hash: "unknown", now: now) == nil)
            #expect(try await store.consumeAuthorizationState(hash: "s2", now: now.addingTimeInterval(61)) == nil)
            try await store.insertAuthorizationState(
                .init(stateHash: "s3", locationId: "loc-b", createdAt: now, expiresAt: now.addingTimeInterval(60)))
            let used = try await store.consumeAuthorizationState(hash: "s3", now: now)
            #expect(used == AuthorizationState(stateHash: "s3", locationId: "loc-b", createdAt: now, expiresAt: now.addingTimeInterval(60)))
        },
    ]
}
