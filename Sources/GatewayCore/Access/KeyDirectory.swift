import Foundation
import Synchronization

/// The in-memory view of keys and roles that authenticates requests without reading the database.
///
/// Without a change feed it is reloaded from the store at most `refreshInterval` after it was last read, so a key
/// revoked by the CLI in another process stops working within that interval. While a ``StoreChangeFeed`` follows the
/// store (``apply(_:)``), changes arrive as they are committed: a changed key is read alone, a role change or a gap
/// reloads everything, and the whole view is reloaded only every `followedRefreshInterval` as a safety net.
///
/// A key id it does not hold is looked up in the store (a key made a moment ago by another process works at once),
/// through ``UnknownKeyCache``, so that a flood of unknown ids costs the store a bounded number of reads.
public final class KeyDirectory: Sendable {
    fileprivate struct Snapshot {
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
    private let followedRefreshInterval: TimeInterval
    private let snapshot = Mutex<Snapshot?>(nil)
    /// Whether a change feed follows the store now; counts changes, so that a reload that began before a change does
    /// not install what it read as fresh.
    private let feed = Mutex<(following: Bool, changes: UInt64)>((false, 0))
    private let unknown: Mutex<UnknownKeyCache>
    private let reload = Mutex<Task<Snapshot, any Error>?>(nil)
    private let usage: KeyUsageRecorder?

    public init(
        keys: any KeyRepository, roles: any RoleRepository, format: KeyFormat, clock: any WallClock = SystemWallClock(),
        refreshInterval: TimeInterval = 1, followedRefreshInterval: TimeInterval = 30,
        unknownKeys: UnknownKeyCache = UnknownKeyCache(), usage: KeyUsageRecorder? = nil
    ) {
        self.followedRefreshInterval = followedRefreshInterval
        self.unknown = Mutex(unknownKeys)
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
        let current = try await fresh(including: id)
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
        let current = try await fresh(including: keyId)
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
        feed.withLock { $0.changes &+= 1 }
        snapshot.withLock { $0 = nil }
        unknown.withLock { $0.forgetAll() }
    }

    /// What a change feed reported.
    public func apply(_ event: StoreChangeEvent) async {
        switch event {
        case .following:
            feed.withLock { $0.following = true }
            invalidate()
        case .interrupted:
            feed.withLock { $0.following = false }
        case .changed(.key(let id)):
            await reread(keyId: id)
        case .changed(.role), .changed(.everything):
            invalidate()
        case .changed(.connection):
            break
        }
    }

    /// Whether a change feed follows the store now.
    public var isFollowing: Bool { feed.withLock { $0.following } }

    /// Reads one key again and puts it in the snapshot (or takes it out); the whole view when that read fails.
    private func reread(keyId id: String) async {
        feed.withLock { $0.changes &+= 1 }
        unknown.withLock { $0.forget(id) }
        guard snapshot.withLock({ $0 }) != nil else { return }
        do {
            let key = try await keyRepository.key(id: id)
            snapshot.withLock { current in
                guard var updated = current else { return }
                updated.place(key, id: id)
                current = updated
            }
        } catch {
            invalidate()
        }
    }

    /// The snapshot, fresh enough; when it has no key `id`, the store is asked for that one key (see
    /// ``UnknownKeyCache``), and a key found is added to the snapshot.
    private func fresh(including id: String) async throws -> Snapshot {
        var current = try await fresh()
        guard current.keys[id] == nil else { return current }
        guard unknown.withLock({ $0.decide(id, now: clock.now()) }) == .lookUp else { return current }
        let found: APIKey?
        do {
            found = try await keyRepository.key(id: id)
        } catch {
            throw GatewayError.storeUnavailable("The key store cannot be read: \(error)")
        }
        guard let found else {
            unknown.withLock { $0.rememberMissing(id, now: clock.now()) }
            return current
        }
        // A key of a role made a moment ago too: the roles are read again with everything.
        if current.roles[found.role] == nil {
            invalidate()
            current = try await fresh()
        }
        current.place(found, id: id)
        let placed = current
        snapshot.withLock { stored in
            guard var updated = stored else { return }
            if updated.keys[id] == nil { updated.place(found, id: id) }
            stored = updated
        }
        return placed
    }

    private func fresh() async throws -> Snapshot {
        let now = clock.now()
        let interval = isFollowing ? followedRefreshInterval : refreshInterval
        if let current = snapshot.withLock({ $0 }), now.timeIntervalSince(current.loadedAt) < interval {
            return current
        }
        // One reload at a time; everyone who finds the view stale waits for the same read.
        let task = reload.withLock { running -> Task<Snapshot, any Error> in
            if let running { return running }
            let task = Task { try await self.load() }
            running = task
            return task
        }
        defer { reload.withLock { if $0 == task { $0 = nil } } }
        // The view this read made, even if a change invalidated it meanwhile: this request was already under way
        // (the next one reads again).
        do {
            return try await task.value
        } catch {
            throw GatewayError.storeUnavailable("The key store cannot be read: \(error)")
        }
    }

    private func load() async throws -> Snapshot {
        let changesBefore = feed.withLock { $0.changes }
        let keys = try await keyRepository.keys()
        let custom = try await roleRepository.customRoles()
        var roles = Dictionary(uniqueKeysWithValues: Role.builtIns.map { ($0.name, $0) })
        for role in custom { roles[role.name] = role }
        var rates: [String: Rate] = [:]
        for key in keys { if let rate = key.rate.flatMap(Rate.init) { rates[key.id] = rate } }
        let loaded = Snapshot(
            keys: Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }), roles: roles,
            rates: rates, loadedAt: clock.now())
        // A change reported while this read ran may be missing from it: it is used once, then read again.
        let stale = feed.withLock { $0.changes } != changesBefore
        snapshot.withLock { $0 = stale ? Snapshot(stale: loaded) : loaded }
        return loaded
    }
}

extension KeyDirectory.Snapshot {
    init(stale loaded: Self) {
        self = loaded
        loadedAt = .distantPast
    }

    /// Puts `key` in place of the key `id` (removes it when `nil`).
    mutating func place(_ key: APIKey?, id: String) {
        keys[id] = key
        rates[id] = key?.rate.flatMap(Rate.init)
    }
}
