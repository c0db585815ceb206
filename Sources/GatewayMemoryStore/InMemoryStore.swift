import Foundation
import GatewayCore
import Synchronization

/// Every repository in memory: for router-level tests (`app.test(.router)`), where a real file or server would only
/// add time. It passes the same conformance suite as the SQLite and PostgreSQL stores, so what a test learns
/// through it holds for them. Nothing survives the process.
public final class InMemoryStore: StoreHealth, Sendable {
    struct State {
        var keys: [String: APIKey] = [:]
        var roles: [String: (role: Role, createdAt: Date)] = [:]
        var connections: [String: Connection] = [:]
        var states: [String: (state: AuthorizationState, usedAt: Date?)] = [:]
        var consoleSessions: [String: ConsoleSession] = [:]
        var refreshAttempts: [RefreshAttempt] = []
    }

    let state = Mutex(State())
    /// The trail apart: the audit writer's thread appends while requests read keys.
    let audit = Mutex(AuditState())
    /// Subscriptions, taken events and the outbox: one lock, as one transaction holds them in the other stores.
    let webhooks = Mutex(WebhookState())

    public init() {}

    public func ping() async throws {}
}

extension InMemoryStore: KeyRepository {
    public func insertKey(_ key: APIKey) async throws {
        try state.withLock { s in
            guard s.keys[key.id] == nil else { throw InMemoryStoreError.duplicate("key \(key.id)") }
            s.keys[key.id] = key
        }
    }

    public func keys() async throws -> [APIKey] {
        state.withLock { $0.keys.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
    }

    public func key(id: String) async throws -> APIKey? { state.withLock { $0.keys[id] } }

    public func revokeKey(id: String, at date: Date) async throws -> Bool {
        state.withLock { s in
            guard s.keys[id] != nil else { return false }
            if s.keys[id]?.revokedAt == nil { s.keys[id]?.revokedAt = date }
            return true
        }
    }

    public func updateKey(_ key: APIKey) async throws -> Bool {
        state.withLock { s in
            guard var stored = s.keys[key.id], stored.revokedAt == nil else { return false }
            stored.name = key.name
            stored.role = key.role
            stored.locations = key.locations
            stored.rate = key.rate
            stored.burst = key.burst
            stored.expiresAt = key.expiresAt
            s.keys[key.id] = stored
            return true
        }
    }

    public func rotateKey(id: String, secretHash: Data, previousValidUntil: Date?) async throws -> Bool {
        state.withLock { s in
            guard var key = s.keys[id], key.revokedAt == nil else { return false }
            key.previousSecretHash = previousValidUntil == nil ? nil : key.secretHash
            key.previousSecretExpiresAt = previousValidUntil
            key.secretHash = secretHash
            s.keys[id] = key
            return true
        }
    }

    public func recordLastUsed(_ times: [String: Date]) async throws {
        state.withLock { s in
            for (id, date) in times {
                guard var key = s.keys[id] else { continue }
                key.lastUsedAt = max(key.lastUsedAt ?? date, date)
                s.keys[id] = key
            }
        }
    }
}

extension InMemoryStore: RoleRepository {
    public func customRoles() async throws -> [Role] {
        state.withLock { $0.roles.values.map(\.role).sorted { $0.name < $1.name } }
    }

    public func insertRole(_ role: Role, at date: Date) async throws -> Bool {
        state.withLock { s in
            guard s.roles[role.name] == nil else { return false }
            var stored = role
            stored.builtIn = false
            s.roles[role.name] = (stored, date)
            return true
        }
    }

    public func deleteRole(name: String) async throws -> RoleDeletion {
        state.withLock { s in
            let users = s.keys.values.filter { $0.role == name && $0.revokedAt == nil }
                .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.map(\.id)
            guard users.isEmpty else { return .inUse(keyIds: users) }
            return s.roles.removeValue(forKey: name) == nil ? .notFound : .deleted
        }
    }
}

extension InMemoryStore: ConnectionRepository {
    public func connection(locationId: String) async throws -> Connection? {
        state.withLock { $0.connections[locationId] }
    }

    public func connections() async throws -> [Connection] {
        state.withLock { $0.connections.values.sorted { $0.locationId < $1.locationId } }
    }

    @discardableResult
    public func save(_ connection: Connection) async throws -> Connection {
        state.withLock { s in
            var stored = connection
            stored.generation = (s.connections[connection.locationId]?.generation ?? 0) + 1
            s.connections[connection.locationId] = stored
            return stored
        }
    }

    public func commitRefresh(_ connection: Connection, expectedGeneration: Int64) async throws -> Bool {
        state.withLock { s in
            guard var stored = s.connections[connection.locationId], stored.generation == expectedGeneration else {
                return false
            }
            stored.accessToken = connection.accessToken
            stored.refreshToken = connection.refreshToken
            stored.accessTokenIssuedAt = connection.accessTokenIssuedAt
            stored.accessTokenExpiresAt = connection.accessTokenExpiresAt
            stored.scope = connection.scope
            stored.status = .active
            stored.statusDetail = nil
            stored.generation = connection.generation
            stored.updatedAt = connection.updatedAt
            s.connections[connection.locationId] = stored
            return true
        }
    }

    public func markNeedsAuthorization(locationId: String, expectedGeneration: Int64, detail: String) async throws -> Bool {
        state.withLock { s in
            guard s.connections[locationId]?.generation == expectedGeneration else { return false }
            s.connections[locationId]?.status = .needsAuthorization
            s.connections[locationId]?.statusDetail = detail
            s.connections[locationId]?.updatedAt = Date()
            return true
        }
    }

    public func removeConnection(locationId: String) async throws -> Bool {
        state.withLock { $0.connections.removeValue(forKey: locationId) != nil }
    }
}

extension InMemoryStore: AuthorizationStateRepository {
    public func insertAuthorizationState(_ authorization: AuthorizationState) async throws {
        state.withLock { s in
            s.states[authorization.stateHash] = (authorization, nil)
            s.states = s.states.filter { $0.value.state.expiresAt >= authorization.createdAt.addingTimeInterval(-86_400) }
        }
    }

    public func consumeAuthorizationState(hash: String, now: Date) async throws -> AuthorizationState? {
        state.withLock { s in
            guard let entry = s.states[hash], entry.usedAt == nil, entry.state.expiresAt > now else { return nil }
            s.states[hash]?.usedAt = now
            return entry.state
        }
    }
}

extension InMemoryStore: ConsoleSessionRepository {
    public func insertConsoleSession(_ session: ConsoleSession) async throws {
        try state.withLock { s in
            guard s.consoleSessions[session.tokenHash] == nil else {
                throw InMemoryStoreError.duplicate("console session")
            }
            s.consoleSessions[session.tokenHash] = session
            s.consoleSessions = s.consoleSessions.filter {
                $0.value.expiresAt >= session.createdAt.addingTimeInterval(-86_400)
            }
        }
    }

    public func consoleSession(tokenHash: String, now: Date) async throws -> ConsoleSession? {
        state.withLock { s in s.consoleSessions[tokenHash].flatMap { $0.expiresAt > now ? $0 : nil } }
    }

    @discardableResult
    public func deleteConsoleSession(tokenHash: String) async throws -> Bool {
        state.withLock { $0.consoleSessions.removeValue(forKey: tokenHash) != nil }
    }
}

/// What only the in-memory store refuses (the others refuse it through their schema).
public enum InMemoryStoreError: Error, CustomStringConvertible {
    case duplicate(String)

    public var description: String {
        switch self {
        case .duplicate(let what): "\(what) exists already"
        }
    }
}

extension InMemoryStore: RefreshJournal {
    public func claimRefresh(_ attempt: RefreshAttempt, now: Date) async throws -> RefreshClaim {
        state.withLock { s in
            guard s.connections[attempt.locationId]?.generation == attempt.generation else { return .superseded }
            if let holder = s.refreshAttempts.last(where: {
                $0.locationId == attempt.locationId && $0.generation == attempt.generation && $0.outcome == nil
                    && $0.leaseUntil > now
            }) {
                return .held(by: holder)
            }
            s.refreshAttempts.append(attempt)
            return .granted
        }
    }

    public func finishRefresh(id: String, outcome: RefreshAttempt.Outcome, at date: Date) async throws {
        state.withLock { s in
            guard let index = s.refreshAttempts.firstIndex(where: { $0.id == id }) else { return }
            s.refreshAttempts[index].outcome = outcome
            s.refreshAttempts[index].finishedAt = date
        }
    }

    public func refreshAttempts(locationId: String, limit: Int) async throws -> [RefreshAttempt] {
        state.withLock { s in
            Array(s.refreshAttempts.filter { $0.locationId == locationId }.reversed().prefix(max(0, limit)))
        }
    }
}
