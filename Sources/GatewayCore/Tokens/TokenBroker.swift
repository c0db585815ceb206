import Foundation
import Logging

/// Hands out upstream access tokens and keeps them fresh.
///
/// HighLevel's refresh tokens are single-use, so the rules here are strict:
/// - one refresh in flight per location, however many requests meet an expired token (single flight);
/// - a rotated pair is committed to the store before its access token is used, so a process killed right after a
///   refresh restarts with the refresh token that works;
/// - one refresh per expiry across every gateway on the store: a node claims the refresh in the store's journal
///   (``RefreshJournal``) before calling the token endpoint, and the others wait for its pair, at most until its
///   lease (``TokenLifecycle/refreshLease``) ends: a node that dies in its call holds the others up that long, no longer;
/// - on `Invalid grant` the store is read again (another gateway may have rotated it) before the connection is
///   declared dead; when the journal shows the token was spent by an attempt whose answer was lost, it is declared
///   dead at once (no one can recover that pair), with a log line and `onAnswerLost` for a metric;
/// - a failing token endpoint never costs the refresh token: the failure is remembered with a backoff, and callers
///   get 503 with `Retry-After` until the next try is due.
public actor TokenBroker {
    public struct Credential: Sendable, Equatable {
        public let locationId: String
        public let accessToken: String
        public let kind: Connection.Kind
    }

    private struct Failure {
        var count: Int
        var retryAt: Date
        var error: GatewayError
    }

    private let repository: any ConnectionRepository
    private let journal: any RefreshJournal
    private let endpoint: any TokenEndpoint
    /// This gateway's name in the journal.
    private let node: String
    /// Called with the location when a refresh token was spent and its answer lost.
    private let onAnswerLost: @Sendable (String) -> Void
    private let clock: any WallClock
    private let lifecycle: TokenLifecycle
    private let logger: Logger
    /// How long a connection read from the store is trusted: a change made by another process shows within this.
    private let cacheLifetime: TimeInterval
    /// Reads of the store (200 ms apart) before an `Invalid grant` is believed.
    private let invalidGrantRechecks = 10

    private var cache: [String: (connection: Connection, loadedAt: Date)] = [:]
    private var directory: (connections: [Connection], loadedAt: Date)?
    private var flights: [String: Task<Connection, any Error>] = [:]
    private var failures: [String: Failure] = [:]
    /// Pairs HighLevel rotated but the store would not take: the only copy of a working refresh token.
    private var uncommitted: [String: Connection] = [:]
    public private(set) var refreshCount = 0

    public init(
        repository: any ConnectionRepository, journal: any RefreshJournal, endpoint: any TokenEndpoint,
        node: String = "gateway", clock: any WallClock = SystemWallClock(), lifecycle: TokenLifecycle = .init(),
        cacheLifetime: TimeInterval = 1,
        onAnswerLost: @escaping @Sendable (String) -> Void = { _ in },
        logger: Logger = Logger(label: "contacts-gateway.tokens")
    ) {
        self.repository = repository
        self.journal = journal
        self.endpoint = endpoint
        self.node = node
        self.onAnswerLost = onAnswerLost
        self.clock = clock
        self.lifecycle = lifecycle
        self.cacheLifetime = cacheLifetime
        self.logger = logger
    }

    /// A token to call HighLevel with for this location.
    public func credential(for locationId: String) async throws -> Credential {
        if uncommitted[locationId] != nil {
            return Self.credential(try await flight(for: locationId, from: nil).value)
        }
        let connection = try await current(locationId)
        switch lifecycle.decide(connection, now: clock.now()) {
        case .use:
            return Self.credential(connection)
        case .useAndRefresh:
            if flights[locationId] == nil, !isCoolingDown(locationId) {
                _ = flight(for: locationId, from: connection)
            }
            return Self.credential(connection)
        case .refreshFirst:
            if flights[locationId] == nil, let failure = activeFailure(locationId) {
                throw failure.error.withRetryAfter(until: failure.retryAt, now: clock.now())
            }
            return Self.credential(try await flight(for: locationId, from: connection).value)
        case .unusable(let error):
            throw error
        }
    }

    /// A token after HighLevel answered 401 to `rejectedToken`: a newer one if there is one, else a forced refresh.
    public func credential(for locationId: String, replacing rejectedToken: String) async throws -> Credential {
        let cached = try await current(locationId)
        if cached.accessToken != rejectedToken { return try await credential(for: locationId) }
        // Another gateway sharing the store may have refreshed already.
        let stored = try await load(locationId)
        if stored.accessToken != rejectedToken { return try await credential(for: locationId) }
        guard stored.kind == .oauth, stored.refreshToken != nil else {
            throw GatewayError.noConnection(
                "HighLevel rejected the private integration token of location '\(locationId)'. Replace it: "
                    + "`contacts-gateway connections add-token --location \(locationId) --token <token>`.")
        }
        if case .unusable(let error) = lifecycle.decide(stored, now: clock.now()) { throw error }
        if flights[locationId] == nil, let failure = activeFailure(locationId) {
            throw failure.error.withRetryAfter(until: failure.retryAt, now: clock.now())
        }
        return Self.credential(try await flight(for: locationId, from: stored, force: true).value)
    }

    /// Every connection, as of at most `cacheLifetime` ago: for choosing "the one connection there is".
    public func connections() async throws -> [Connection] {
        let now = clock.now()
        if let directory, now.timeIntervalSince(directory.loadedAt) < cacheLifetime { return directory.connections }
        do {
            let all = try await repository.connections()
            directory = (all, now)
            return all
        } catch {
            throw GatewayError.storeUnavailable("The connection store cannot be read: \(error)")
        }
    }

    /// Forgets what is cached for a location, so the next call reads the store.
    public func forget(_ locationId: String) {
        cache[locationId] = nil
        directory = nil
    }

    /// Forgets every cached connection (the store's change feed lost track, or cannot say which changed).
    public func forgetAll() {
        cache = [:]
        directory = nil
    }

    // MARK: - Reading

    private func current(_ locationId: String) async throws -> Connection {
        if let entry = cache[locationId], clock.now().timeIntervalSince(entry.loadedAt) < cacheLifetime {
            return entry.connection
        }
        return try await load(locationId)
    }

    private func load(_ locationId: String) async throws -> Connection {
        let stored: Connection?
        do {
            stored = try await repository.connection(locationId: locationId)
        } catch {
            throw GatewayError.storeUnavailable("The connection store cannot be read: \(error)")
        }
        guard let stored else {
            cache[locationId] = nil
            throw GatewayError.noConnection(
                "No HighLevel connection for location '\(locationId)'. Connect it: "
                    + "`contacts-gateway connections authorize-url` or `connections add-token`.")
        }
        cache[locationId] = (stored, clock.now())
        return stored
    }

    // MARK: - Refreshing

    private func flight(for locationId: String, from connection: Connection?, force: Bool = false)
        -> Task<Connection, any Error>
    {
        if let running = flights[locationId] { return running }
        // Unstructured on purpose: a caller that gives up must not cancel the refresh the others are waiting for.
        let task = Task { try await self.refresh(locationId, from: connection, force: force) }
        flights[locationId] = task
        return task
    }

    private func refresh(_ locationId: String, from known: Connection?, force: Bool) async throws -> Connection {
        defer { flights[locationId] = nil }
        if let pending = uncommitted[locationId] {
            let committed = try await commit(pending, expectedGeneration: pending.generation - 1)
            // A pair held for long may have expired meanwhile; then its refresh token is used right away.
            if lifecycle.decide(committed, now: clock.now()) != .refreshFirst { return committed }
        }
        // Read the store first: another process may have rotated the pair since this one cached it.
        var stored = try await load(locationId)
        if let known, stored.generation != known.generation, !force || stored.accessToken != known.accessToken {
            switch lifecycle.decide(stored, now: clock.now()) {
            case .use, .useAndRefresh: return stored
            case .unusable(let error): throw error
            case .refreshFirst: break
            }
        }
        guard stored.status == .active, stored.refreshToken != nil else {
            throw GatewayError.needsAuthorization(locationId)
        }

        let attempt: RefreshAttempt
        switch try await claim(stored) {
        case .granted(let granted, let connection):
            attempt = granted
            stored = connection
        case .refreshedElsewhere(let connection):
            return connection
        }
        guard let refreshToken = stored.refreshToken else { throw GatewayError.needsAuthorization(locationId) }
        let grant: TokenGrant
        do {
            grant = try await endpoint.refresh(refreshToken: refreshToken)
        } catch {
            return try await recover(from: error, refreshToken: refreshToken, connection: stored, attempt: attempt)
        }
        refreshCount += 1
        let committed = try await commit(stored.refreshed(with: grant, at: clock.now()), expectedGeneration: stored.generation)
        await finish(attempt, .rotated)
        return committed
    }

    private enum Claim {
        /// This node spends the token of `connection` (the generation the attempt names).
        case granted(RefreshAttempt, Connection)
        /// Another node stored a usable pair meanwhile.
        case refreshedElsewhere(Connection)
    }

    /// Claims the refresh of `stored`'s generation in the journal; while another node holds it, waits for that
    /// node's pair, at most until its lease ends, then claims again.
    private func claim(_ stored: Connection) async throws -> Claim {
        var current = stored
        // Bounded whatever the clock says: a claim is retried after each lease, a few leases at most.
        for _ in 0..<4 {
            guard current.status == .active, let refreshToken = current.refreshToken else {
                throw GatewayError.needsAuthorization(current.locationId)
            }
            let now = clock.now()
            let attempt = RefreshAttempt(
                locationId: current.locationId, generation: current.generation,
                tokenHash: RefreshAttempt.hash(refreshToken: refreshToken), node: node, startedAt: now,
                leaseUntil: now.addingTimeInterval(lifecycle.refreshLease))
            let claim: RefreshClaim
            do {
                claim = try await journal.claimRefresh(attempt, now: now)
            } catch {
                throw GatewayError.storeUnavailable("The connection store cannot be written: \(error)")
            }
            switch claim {
            case .granted:
                return .granted(attempt, current)
            case .superseded:
                current = try await load(current.locationId)
                if let usable = try usable(current) { return .refreshedElsewhere(usable) }
            case .held(let holder):
                logger.debug(
                    "another gateway is refreshing; waiting for its pair",
                    metadata: ["location": "\(current.locationId)", "node": "\(holder.node)"])
                let waits = max(1, Int((holder.leaseUntil.timeIntervalSince(now) / 0.1).rounded(.up)) + 1)
                for _ in 0..<min(waits, Int(lifecycle.refreshLease * 10) + 1) {
                    try await Task.sleep(for: .milliseconds(100))
                    let again = try await load(current.locationId)
                    guard again.generation == current.generation, again.status == .active else {
                        current = again
                        break
                    }
                }
                if current.generation != stored.generation || current.status != .active {
                    if let usable = try usable(current) { return .refreshedElsewhere(usable) }
                }
                if current.generation == stored.generation {
                    logger.warning(
                        "a refresh claimed by another gateway did not finish within its lease; claiming it",
                        metadata: ["location": "\(current.locationId)", "node": "\(holder.node)"])
                }
            }
        }
        throw GatewayError.tokenUnavailable(
            "Another gateway holds the refresh of location '\(stored.locationId)'; try again shortly.",
            retryAfterSeconds: 1)
    }

    /// `connection` if its access token can be used now; throws when it never can.
    private func usable(_ connection: Connection) throws -> Connection? {
        switch lifecycle.decide(connection, now: clock.now()) {
        case .use, .useAndRefresh: return connection
        case .unusable(let error): throw error
        case .refreshFirst:
            guard connection.status == .active else { throw GatewayError.needsAuthorization(connection.locationId) }
            return nil
        }
    }

    /// Records how an attempt ended; a journal that cannot be written only leaves the attempt to its lease.
    private func finish(_ attempt: RefreshAttempt, _ outcome: RefreshAttempt.Outcome) async {
        do {
            try await journal.finishRefresh(id: attempt.id, outcome: outcome, at: clock.now())
        } catch {
            logger.warning(
                "refresh journal not updated; the attempt's lease ends by itself",
                metadata: ["location": "\(attempt.locationId)", "error": "\(error)"])
        }
    }

    /// Makes a rotated pair durable before anyone uses it.
    private func commit(_ next: Connection, expectedGeneration: Int64) async throws -> Connection {
        let locationId = next.locationId
        let committed: Bool
        do {
            committed = try await repository.commitRefresh(next, expectedGeneration: expectedGeneration)
        } catch {
            uncommitted[locationId] = next
            logger.critical(
                "rotated token pair not yet durable; holding it in memory and retrying on the next request",
                metadata: ["location": "\(locationId)", "error": "\(error)"])
            throw GatewayError.storeUnavailable(
                "The connection store would not save the refreshed token of location '\(locationId)'; "
                    + "the gateway keeps it and tries again on the next request.")
        }
        uncommitted[locationId] = nil
        failures[locationId] = nil
        guard committed else {
            // The connection was replaced meanwhile (a new authorization): the stored one wins.
            logger.notice("connection changed during refresh; using the stored one", metadata: ["location": "\(locationId)"])
            return try await load(locationId)
        }
        cache[locationId] = (next, clock.now())
        directory = nil
        logger.info("access token refreshed", metadata: ["location": "\(locationId)", "generation": "\(next.generation)"])
        return next
    }

    /// Returns a newer connection that another process stored, or throws what the caller should see.
    private func recover(
        from error: TokenEndpointError, refreshToken: String, connection: Connection, attempt: RefreshAttempt
    ) async throws -> Connection {
        let locationId = connection.locationId
        switch error {
        case .transient: await finish(attempt, .failed)
        case .invalidGrant, .locationNotActive, .rejected: await finish(attempt, .refused)
        }
        switch error {
        case .invalidGrant(let message):
            // Rotated by another gateway: the stored generation moved on.
            let stored = try await load(locationId)
            if stored.generation != connection.generation, stored.status == .active { return stored }
            // Spent by an attempt whose answer never came back (a node that died in its call, a timeout): the new
            // pair exists only at HighLevel. Waiting cannot help; say so now.
            if let lost = try? await journal.refreshAttempts(locationId: locationId, limit: 20).first(where: {
                $0.id != attempt.id && $0.generation == connection.generation && $0.tokenHash == attempt.tokenHash
                    && $0.mayHaveSpentUnanswered
            }) {
                _ = try? await repository.markNeedsAuthorization(
                    locationId: locationId, expectedGeneration: connection.generation,
                    detail: "refresh token spent by an attempt of node \(lost.node) whose answer was lost: \(message)")
                cache[locationId] = nil
                onAnswerLost(locationId)
                logger.critical(
                    "refresh token was spent and its answer lost; location needs authorizing again",
                    metadata: [
                        "location": "\(locationId)", "attempt": "\(lost.id)", "attemptNode": "\(lost.node)",
                        "generation": "\(connection.generation)",
                    ])
                throw GatewayError.needsAuthorization(locationId)
            }
            // Before declaring the token dead, look again: a rotation by another gateway also makes ours "already
            // used", and that gateway may still be committing its pair, so keep looking for a moment.
            for attempt in 0..<invalidGrantRechecks {
                if attempt > 0 { try await Task.sleep(for: .milliseconds(200)) }
                let again = try await load(locationId)
                if again.refreshToken != refreshToken, again.status == .active {
                    return again
                }
            }
            let marked: Bool
            do {
                marked = try await repository.markNeedsAuthorization(
                    locationId: locationId, expectedGeneration: connection.generation,
                    detail: "refresh refused: \(message)")
            } catch {
                throw GatewayError.storeUnavailable("The connection store cannot be written: \(error)")
            }
            let latest = try await load(locationId)
            if !marked, latest.status == .active { return latest }
            logger.error("refresh token refused; location needs authorizing again", metadata: ["location": "\(locationId)"])
            throw GatewayError.needsAuthorization(locationId)
        case .locationNotActive(let message):
            throw recordFailure(locationId, error, detail:
                "HighLevel says location '\(locationId)' is not active (\(message)). The refresh token is kept; "
                    + "the gateway tries again once the location is active.")
        case .transient(let message):
            throw recordFailure(locationId, error, detail:
                "HighLevel's token endpoint failed (\(message)). The refresh token is kept; try again shortly.")
        case .rejected(let status, let message):
            throw recordFailure(locationId, error, detail:
                "HighLevel's token endpoint refused the gateway's OAuth client (\(status): \(message)). "
                    + "Check GATEWAY_CLIENT_ID and GATEWAY_CLIENT_SECRET; the refresh token is kept.")
        }
    }

    private func recordFailure(_ locationId: String, _ error: TokenEndpointError, detail: String) -> GatewayError {
        let count = (failures[locationId]?.count ?? 0) + 1
        let delay = lifecycle.retryDelay(afterFailures: count, error: error)
        let problem = GatewayError.tokenUnavailable(detail, retryAfterSeconds: Int(delay.rounded(.up)))
        failures[locationId] = Failure(count: count, retryAt: clock.now().addingTimeInterval(delay), error: problem)
        logger.warning("token refresh failed", metadata: ["location": "\(locationId)", "attempt": "\(count)", "retryIn": "\(delay)s"])
        return problem
    }

    private func activeFailure(_ locationId: String) -> Failure? {
        guard let failure = failures[locationId], clock.now() < failure.retryAt else { return nil }
        return failure
    }

    private func isCoolingDown(_ locationId: String) -> Bool { activeFailure(locationId) != nil }

    private static func credential(_ connection: Connection) -> Credential {
        Credential(locationId: connection.locationId, accessToken: connection.accessToken, kind: connection.kind)
    }
}

extension GatewayError {
    func withRetryAfter(until date: Date, now: Date) -> GatewayError {
        var copy = self
        copy.headers["Retry-After"] = String(max(1, Int(date.timeIntervalSince(now).rounded(.up))))
        return copy
    }
}
