import Foundation

/// One gateway's slice of a key's shared allowance, as a value: no clock, no store, so it is tested by handing it
/// times and grants.
///
/// A slice holds requests already counted in the shared GCRA state; it is spent in memory and dropped once
/// ``lifetime`` has passed, so a gateway never admits from an old slice what the key could not have had now (its
/// error is at most one slice per gateway, always on the side of fewer requests). After a refusal the gateway
/// refuses in memory until the shared state can have room again, so a key's flood costs the store nothing.
public struct LeasedAllowance: Sendable, Equatable {
    /// How long a slice may be spent.
    public static let lifetime: TimeInterval = 1

    public let rate: Rate
    public let burst: Int
    public private(set) var available = 0
    public private(set) var expiresAt = Date.distantPast
    /// Until when the store said no; nil when it has not, or that has passed.
    public private(set) var refusedUntil: Date?
    /// The shared theoretical arrival time as last seen.
    public private(set) var theoreticalArrival: Date?

    public init(rate: Rate, burst: Int) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    public var emissionInterval: TimeInterval { rate.perSeconds / Double(rate.count) }
    public var window: TimeInterval { emissionInterval * Double(burst) }

    /// Requests to ask the store for at once: a tenth of a second's worth, at most a quarter of the burst, at least
    /// one. A 10/s key takes one at a time, so several gateways share it exactly.
    public var sliceSize: Int {
        max(1, min(burst / 4, Int((Double(rate.count) / rate.perSeconds * 0.1).rounded(.down))))
    }

    /// What the gateway does with a request now.
    public enum Step: Equatable, Sendable {
        /// Admitted from the slice in hand.
        case admitted(RateDecision)
        /// Refused without asking the store: it said no until a later time.
        case refused(RateDecision)
        /// Ask the store for ``sliceSize`` more.
        case askStore
    }

    public mutating func next(at now: Date) -> Step {
        if available > 0, now < expiresAt {
            available -= 1
            return .admitted(decision(allowed: true, at: now))
        }
        if let until = refusedUntil, now < until { return .refused(decision(allowed: false, at: now)) }
        return .askStore
    }

    /// Takes the store's grant for the request that asked: the first granted request is that one's; the rest joins
    /// what is left of the slice in hand.
    public mutating func take(_ grant: SharedAllowance, at now: Date) -> RateDecision {
        theoreticalArrival = grant.theoreticalArrival
        guard grant.granted > 0 else {
            // Another ask of this gateway's may have brought a slice meanwhile: this request takes from it.
            if available > 0, now < expiresAt {
                available -= 1
                return decision(allowed: true, at: now)
            }
            available = 0
            // One interval frees up once the TAT is back within the window (less the ledger's rounding tolerance,
            // so that a request exactly on time asks rather than being refused here).
            refusedUntil = grant.theoreticalArrival.addingTimeInterval(emissionInterval - window - 1e-5)
            return decision(allowed: false, at: now)
        }
        refusedUntil = nil
        available = (now < expiresAt ? available : 0) + grant.granted - 1
        expiresAt = now.addingTimeInterval(Self.lifetime)
        return decision(allowed: true, at: now)
    }

    private func decision(allowed: Bool, at now: Date) -> RateDecision {
        let tat = theoreticalArrival ?? now
        let ahead = max(0, tat.timeIntervalSince(now))
        let shared = max(0, Int(((window - ahead) / emissionInterval + 1e-5).rounded(.down)))
        let retry = allowed ? 0 : max(0, (refusedUntil ?? now).timeIntervalSince(now))
        return RateDecision(
            allowed: allowed, limit: burst, windowSeconds: window, remaining: allowed ? shared + available : 0,
            retryAfter: retry, resetAfter: ahead)
    }
}
