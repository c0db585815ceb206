import Foundation
import Synchronization

/// The in-memory view of keys and roles that authenticates requests without reading the database.
///
/// It is reloaded from the store at most `refreshInterval` after it was last read, so a key revoked by the CLI in
/// another process or by the admin API stops working within that interval.
public final class KeyDirectory: Sendable {
    private struct Snapshot {
        var keys: [String: APIKey]
        var roles: [String: Role]
        /// Keys' own rates, parsed once per load rather than once per request.
        var rates: [String: Rate]
        var loadedAt: Date
    }

    private let keyRepository: any KeyRepository
    private let roleRepository: any RoleRepository
    private let format: KeyFormat
    private let clock: any WallClock
    private let refreshInterval: TimeInterval
    private let snapshot = Mutex<Snapshot?>(nil)
    private let reload = Mutex<Task<Void, any Error>?>(nil)
    private let usage: KeyUsageRecorder?

    public init(
        keys: any KeyRepository, roles: any RoleRepository, format: KeyFormat, clock: any WallClock = SystemWallClock(),
        refreshInterval: TimeInterval = 1, usage: KeyUsageRecorder? = nil
    ) {
        self.usage = usage
        self.keyRepository = keys
        self.roleRepository = roles
        self.format = format
        self.clock = clock
        self.refreshInterval = refreshInterval
    }

    /// The principal for a presented key, or 401.
    public func authenticate(_ presented: String?) async throws -> Principal {
        guard let presented, !presented.isEmpty else {
            throw GatewayError.unauthenticated("No API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.")
        }
        guard let (id, secret) = format.parse(presented) else {
            throw GatewayError.unauthenticated("The API key is not recognised.")
        }
        let current = try await fresh()
        let now = clock.now()
        guard let key = current.keys[id], matches(secret, key, now: now) else {
            throw GatewayError.unauthenticated("The API key is not recognised.")
        }
        let principal = try Self.principal(for: key, in: current, now: now)
        usage?.touch(key.id, at: now)
        return principal
    }

    /// The principal of an already authenticated key, by id, as the key is now (the console's session holds only the
    /// id): 401 when it is unknown, revoked, expired or its role is gone.
    public func principal(keyId: String) async throws -> Principal {
        let current = try await fresh()
        guard let key = current.keys[keyId] else { throw GatewayError.unauthenticated("The API key is not recognised.") }
        return try Self.principal(for: key, in: current, now: clock.now())
    }

    private static func principal(for key: APIKey, in current: Snapshot, now: Date) throws(GatewayError) -> Principal {
        if key.revokedAt != nil { throw GatewayError.unauthenticated("The API key has been revoked.") }
        if let expiresAt = key.expiresAt, now >= expiresAt {
            throw GatewayError.unauthenticated("The API key has expired.")
        }
        guard let role = current.roles[key.role] else {
            throw GatewayError.unauthenticated("The API key's role '\(key.role)' no longer exists.")
        }
        return Principal(
            keyId: key.id, keyName: key.name, role: role, locations: key.locations, rate: current.rates[key.id],
            burst: key.burst)
    }

    /// The current secret, or the one it replaced while that one's grace period lasts.
    private func matches(_ secret: String, _ key: APIKey, now: Date) -> Bool {
        if format.matches(secret, hash: key.secretHash) { return true }
        guard let previous = key.previousSecretHash, let until = key.previousSecretExpiresAt, now < until else {
            return false
        }
        return format.matches(secret, hash: previous)
    }

    /// Drops the snapshot so the next request reads the store (after a change made through this process).
    public func invalidate() {
        snapshot.withLock { $0 = nil }
    }

    private func fresh() async throws -> Snapshot {
        let now = clock.now()
        if let current = snapshot.withLock({ $0 }), now.timeIntervalSince(current.loadedAt) < refreshInterval {
            return current
        }
        // One reload at a time; everyone who finds the view stale waits for the same read.
        let task = reload.withLock { running -> Task<Void, any Error> in
            if let running { return running }
            let task = Task { try await self.load() }
            running = task
            return task
        }
        defer { reload.withLock { if $0 == task { $0 = nil } } }
        do {
            try await task.value
        } catch {
            throw GatewayError.storeUnavailable("The key store cannot be read: \(error)")
        }
        guard let loaded = snapshot.withLock({ $0 }) else {
            throw GatewayError.storeUnavailable("The key store cannot be read.")
        }
        return loaded
    }

    private func load() async throws {
        let keys = try await keyRepository.keys()
        let custom = try await roleRepository.customRoles()
        var roles = Dictionary(uniqueKeysWithValues: Role.builtIns.map { ($0.name, $0) })
        for role in custom { roles[role.name] = role }
        var rates: [String: Rate] = [:]
        for key in keys { if let rate = key.rate.flatMap(Rate.init) { rates[key.id] = rate } }
        let loaded = Snapshot(
            keys: Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }), roles: roles,
            rates: rates, loadedAt: clock.now())
        snapshot.withLock { $0 = loaded }
    }
}
