import GatewayCore
import Synchronization

/// The rate decision taken for one request, kept so the response can carry `RateLimit` fields whichever layer
/// answers. A reference for the same reason as `AuditNote`: inner layers change copies of the context.
public final class RateLimitNote: Sendable {
    private let decision = Mutex<RateDecision?>(nil)

    var current: RateDecision? { decision.withLock { $0 } }

    /// Takes one request from the key's allowance; 429 when there is none.
    func admit(_ principal: Principal, with limiter: KeyRateLimiter) async throws(GatewayError) {
        let taken = await limiter.decide(principal)
        decision.withLock { $0 = taken }
        guard taken.allowed else { throw .rateLimited(taken) }
    }
}
