import Foundation

/// Per-key GCRA state for the whole process. The state is split over shards by key id, so requests of different keys
/// rarely contend for the same lock, and a shard is held only for one arithmetic step.
public final class KeyRateLimiter: Sendable {
    public let defaultRate: Rate
    public let defaultBurst: Int
    private let clock: any WallClock
    private let states: Shards<[String: GCRA]>

    public init(defaultRate: Rate, defaultBurst: Int, clock: any WallClock = SystemWallClock(), shardCount: Int = 32) {
        self.defaultRate = defaultRate
        self.defaultBurst = max(1, defaultBurst)
        self.clock = clock
        self.states = Shards(count: shardCount) { [:] }
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
