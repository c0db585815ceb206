import Foundation

/// Per-key GCRA state: the process's own, or, with a ``SharedRateLedger`` (several gateways on PostgreSQL), one
/// state per key for every gateway, taken a slice at a time (``LeasedAllowance``). The state is split over shards by
/// key id, so requests of different keys rarely contend for the same lock, and a shard is held only for one
/// arithmetic step.
public final class KeyRateLimiter: Sendable {
    public let defaultRate: Rate
    public let defaultBurst: Int
    private let clock: any WallClock
    private let states: Shards<[String: GCRA]>
    private let ledger: (any SharedRateLedger)?
    private let leases: Shards<[String: LeaseEntry]>
    /// Called when the shared ledger cannot be asked (the key is then limited by this gateway's own state).
    private let onLedgerFailure: @Sendable (any Error) -> Void

    public init(
        defaultRate: Rate, defaultBurst: Int, clock: any WallClock = SystemWallClock(), shardCount: Int = 32,
        ledger: (any SharedRateLedger)? = nil, onLedgerFailure: @escaping @Sendable (any Error) -> Void = { _ in }
    ) {
        self.defaultRate = defaultRate
        self.defaultBurst = max(1, defaultBurst)
        self.clock = clock
        self.states = Shards(count: shardCount) { [:] }
        self.ledger = ledger
        self.leases = Shards(count: shardCount) { [:] }
        self.onLedgerFailure = onLedgerFailure
    }

    /// Whether the limit is shared with other gateways through the store.
    public var isShared: Bool { ledger != nil }

    /// Takes one request for `principal`'s key: from the shared allowance when there is a ledger, else from this
    /// process's own state.
    ///
    /// With a ledger, requests are decided from this gateway's slice in memory; when it is spent, one request per key
    /// asks the store (for a slice and one more for each request waiting on it) while the others wait for its
    /// answer and then draw from it, so a burst costs the store one round trip, not one each.
    public func decide(_ principal: Principal) async -> RateDecision {
        guard let ledger else { return admit(principal) }
        let (rate, burst) = limits(rate: principal.rate, burst: principal.burst)
        let keyId = principal.keyId
        // Each turn either decides, or waits for an answer from the store that admits someone or refuses everyone,
        // so a request takes at most as many turns as requests were admitted ahead of it; the bound is a backstop.
        for _ in 0..<1_000 {
            let now = clock.now()
            let turn = leases.withLock(for: keyId) { leases -> Turn in
                var entry = leases[keyId] ?? LeaseEntry(lease: LeasedAllowance(rate: rate, burst: burst))
                if entry.lease.rate != rate || entry.lease.burst != burst {
                    entry.lease = LeasedAllowance(rate: rate, burst: burst)
                }
                defer { leases[keyId] = entry }
                switch entry.lease.next(at: now) {
                case .admitted(let decision), .refused(let decision): return .decided(decision)
                case .askStore:
                    if let asking = entry.asking {
                        entry.waiting += 1
                        return .wait(asking)
                    }
                    let count = entry.lease.sliceSize + entry.waiting
                    entry.waiting = 0
                    // The answer goes into the lease before the task ends, so a request that waited on it draws from
                    // it at once; the task's value is the asking request's own decision.
                    let asking = Task { [shards = self.leases, clock] () async throws -> RateDecision in
                        let grant: SharedAllowance
                        do {
                            grant = try await ledger.takeAllowance(
                                keyId: keyId, count: count, emissionInterval: rate.perSeconds / Double(rate.count),
                                window: rate.perSeconds / Double(rate.count) * Double(burst), at: now)
                        } catch {
                            shards.withLock(for: keyId) { $0[keyId]?.asking = nil }
                            throw error
                        }
                        let at = clock.now()
                        return shards.withLock(for: keyId) { leases in
                            var entry = leases[keyId] ?? LeaseEntry(lease: LeasedAllowance(rate: rate, burst: burst))
                            entry.asking = nil
                            let decision = entry.lease.take(grant, at: at)
                            leases[keyId] = entry
                            return decision
                        }
                    }
                    entry.asking = asking
                    return .ask(asking)
                }
            }
            switch turn {
            case .decided(let decision):
                return decision
            case .wait(let asking):
                // By the time it ends its answer is in the lease: the next turn draws from it.
                _ = try? await asking.value
            case .ask(let asking):
                do {
                    return try await asking.value
                } catch {
                    // The store is away: the request fails closed at the audit gate anyway; this gateway's own state
                    // keeps the key within its rate meanwhile.
                    onLedgerFailure(error)
                    return admit(principal)
                }
            }
        }
        return admit(principal)
    }

    /// A key's slice on this gateway, and the request asking the store for more, if one is.
    private struct LeaseEntry: Sendable {
        var lease: LeasedAllowance
        var asking: Task<RateDecision, any Error>?
        /// Requests waiting on `asking`, or on the next ask: the next ask takes one more for each.
        var waiting = 0
    }

    private enum Turn: Sendable {
        case decided(RateDecision)
        case wait(Task<RateDecision, any Error>)
        case ask(Task<RateDecision, any Error>)
    }

    /// The rate and burst that apply to a key: its own, else the defaults. A key that sets a rate but no burst may
    /// burst one period's worth of that rate.
    public func limits(rate: Rate?, burst: Int?) -> (rate: Rate, burst: Int) {
        switch (rate, burst) {
        case let (rate?, burst?): (rate, burst)
        case let (rate?, nil): (rate, rate.count)
        case let (nil, burst?): (defaultRate, burst)
        case (nil, nil): (defaultRate, defaultBurst)
        }
    }

    /// Takes one request for `principal`'s key.
    public func admit(_ principal: Principal) -> RateDecision {
        admit(keyId: principal.keyId, rate: principal.rate, burst: principal.burst)
    }

    public func admit(keyId: String, rate: Rate?, burst: Int?) -> RateDecision {
        let (rate, burst) = limits(rate: rate, burst: burst)
        let now = clock.now()
        return states.withLock(for: keyId) { states in
            var state = states[keyId] ?? GCRA(rate: rate, burst: burst)
            if state.rate != rate || state.burst != burst { state = state.adjusted(rate: rate, burst: burst) }
            let decision = state.attempt(at: now)
            states[keyId] = state
            return decision
        }
    }
}
