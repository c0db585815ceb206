import Foundation

/// The generic cell rate algorithm for one key, as a value: no clock, no lock, so it is tested by handing it times.
///
/// It keeps one number, the theoretical arrival time (TAT) of the next request. A request is admitted when, after
/// adding one emission interval, the TAT is no more than `burst` intervals ahead of now. So a fresh key may send
/// `burst` requests at once, and `rate` per period after that.
public struct GCRA: Sendable, Equatable {
    public let rate: Rate
    public let burst: Int
    private var theoreticalArrival: Date?

    public init(rate: Rate, burst: Int) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// Seconds between two requests at the sustained rate.
    public var emissionInterval: TimeInterval { rate.perSeconds / Double(rate.count) }
    /// How far ahead of now the TAT may run: the whole burst.
    public var window: TimeInterval { emissionInterval * Double(burst) }

    /// Times are doubles near 1e9 seconds; rounding must not turn a request exactly on time into a refusal.
    private static let tolerance: TimeInterval = 1e-5

    /// Takes one request at `now` if the key has room for it.
    public mutating func attempt(at now: Date) -> RateDecision {
        let interval = emissionInterval
        // A clock stepped back must not lock a key out for longer than one window.
        let current = min(max(theoreticalArrival ?? now, now), now.addingTimeInterval(window))
        let next = current.addingTimeInterval(interval)
        let ahead = next.timeIntervalSince(now)
        if ahead <= window + Self.tolerance {
            theoreticalArrival = next
            return RateDecision(
                allowed: true, limit: burst, windowSeconds: window,
                remaining: max(0, Int(((window - ahead + Self.tolerance) / interval).rounded(.down))), retryAfter: 0, resetAfter: ahead)
        }
        theoreticalArrival = current
        let behind = current.timeIntervalSince(now)
        return RateDecision(
            allowed: false, limit: burst, windowSeconds: window, remaining: 0, retryAfter: ahead - window,
            resetAfter: behind)
    }

    /// Whether the whole burst is available again at `now`: such a state says nothing a fresh one would not.
    public func isIdle(at now: Date) -> Bool {
        theoreticalArrival.map { $0 <= now } ?? true
    }

    /// The same TAT under new parameters, after an admin changed the key's rate or burst.
    public func adjusted(rate: Rate, burst: Int) -> GCRA {
        var changed = GCRA(rate: rate, burst: burst)
        changed.theoreticalArrival = theoreticalArrival
        return changed
    }
}
