import Foundation

/// One delivery's state between attempts: a value that each attempt's outcome moves on, tested with a clock of its
/// own. The outbox stores it; the dispatcher asks it when to try next.
public struct DeliveryProgress: Sendable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending, delivered, dead
    }

    /// What one attempt came to.
    public enum Outcome: Sendable, Equatable {
        /// The receiver answered; `retryAfter` is its `Retry-After`, read only on 429 and 503.
        case answered(status: Int, retryAfter: Duration?)
        /// No answer in time, no connection, a redirect (not followed) or a refused URL.
        case noAnswer(String)
    }

    /// What the attempt asks of the subscription besides.
    public enum Consequence: Sendable, Equatable {
        case none
        /// 410 Gone: the receiver says the subscription is over; it is disabled until an admin enables it.
        case disableSubscription
    }

    public private(set) var status: Status
    public private(set) var attempts: Int
    public private(set) var nextAttemptAt: Date?
    /// The receiver's last status, `nil` while none answered.
    public private(set) var lastStatus: Int?
    /// Why the last attempt failed, for `deliveries list` and the console.
    public private(set) var lastError: String?

    /// A new delivery, due at once.
    public init(createdAt: Date) {
        self.init(status: .pending, attempts: 0, nextAttemptAt: createdAt, lastStatus: nil, lastError: nil)
    }

    /// A delivery as the store holds it.
    public init(status: Status, attempts: Int, nextAttemptAt: Date?, lastStatus: Int?, lastError: String?) {
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastStatus = lastStatus
        self.lastError = lastError
    }

    public func isDue(at now: Date) -> Bool {
        status == .pending && (nextAttemptAt.map { $0 <= now } ?? false)
    }

    /// Moves on after an attempt that ended at `now`. `jitter` is a number in 0..<1 (random in service, fixed in
    /// tests) that spreads the wait by ±``DeliverySchedule/jitterFraction``.
    @discardableResult
    public mutating func record(_ outcome: Outcome, at now: Date, schedule: DeliverySchedule, jitter: Double) -> Consequence {
        precondition(status == .pending, "only a pending delivery is attempted")
        attempts += 1
        var retryAfter: Duration?
        switch outcome {
        case .answered(let code, _) where (200..<300).contains(code):
            status = .delivered
            lastStatus = code
            lastError = nil
            nextAttemptAt = nil
            return .none
        case .answered(410, _):
            status = .dead
            lastStatus = 410
            lastError = "the receiver answered 410 Gone: the subscription is disabled"
            nextAttemptAt = nil
            return .disableSubscription
        case .answered(let code, let after):
            lastStatus = code
            lastError = (300..<400).contains(code)
                ? "the receiver answered \(code), a redirect, which deliveries do not follow"
                : "the receiver answered \(code)"
            if code == 429 || code == 503 { retryAfter = after }
        case .noAnswer(let reason):
            lastError = reason
        }
        guard attempts < schedule.attempts else {
            status = .dead
            nextAttemptAt = nil
            return .none
        }
        let scheduled = schedule.waits[attempts - 1]
        let spread = 1 + DeliverySchedule.jitterFraction * (2 * min(max(jitter, 0), 1) - 1)
        var wait = scheduled * spread
        // A receiver's Retry-After is honoured, up to the schedule's longest wait.
        if let retryAfter { wait = max(wait, min(retryAfter, schedule.longest)) }
        nextAttemptAt = now.addingTimeInterval(wait.seconds)
        return .none
    }

    /// Gives a pending delivery up without an attempt (its subscription was disabled): dead, `deliveries retry` sends
    /// it again.
    public mutating func abandon(reason: String) {
        guard status == .pending else { return }
        status = .dead
        lastError = reason
        nextAttemptAt = nil
    }

    /// `deliveries retry`: a dead delivery gets a new round of the schedule, due at once.
    public mutating func retry(at now: Date) -> Bool {
        guard status == .dead else { return false }
        status = .pending
        attempts = 0
        nextAttemptAt = now
        return true
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
