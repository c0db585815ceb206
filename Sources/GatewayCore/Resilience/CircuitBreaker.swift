/// Per location: after a run of upstream failures, fail fast for a short while, then let one probe through.
/// A value over seconds on any monotonic scale; tested with numbers.
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case closed(consecutiveFailures: Int)
        case open(until: Double)
        case halfOpen(probeInFlight: Bool)
    }

    public enum Admission: Sendable, Equatable {
        case allowed
        /// Fail fast: 503 with `Retry-After`.
        case rejected(retryAfterSeconds: Double)
    }

    public private(set) var state: State = .closed(consecutiveFailures: 0)
    public let failureThreshold: Int
    public let openDuration: Double

    public init(failureThreshold: Int = 5, openDuration: Double = 5) {
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
    }

    public mutating func admit(now: Double) -> Admission {
        switch state {
        case .closed:
            return .allowed
        case .open(let until):
            guard now >= until else { return .rejected(retryAfterSeconds: until - now) }
            state = .halfOpen(probeInFlight: true)
            return .allowed
        case .halfOpen(let probeInFlight):
            if probeInFlight { return .rejected(retryAfterSeconds: 1) }
            state = .halfOpen(probeInFlight: true)
            return .allowed
        }
    }

    /// HighLevel answered with something other than 5xx: it is up.
    public mutating func recordSuccess() {
        state = .closed(consecutiveFailures: 0)
    }

    /// No answer, or 502/503/504.
    public mutating func recordFailure(now: Double) {
        switch state {
        case .closed(let failures):
            state = failures + 1 >= failureThreshold ? .open(until: now + openDuration) : .closed(consecutiveFailures: failures + 1)
        case .halfOpen, .open:
            state = .open(until: now + openDuration)
        }
    }
}
