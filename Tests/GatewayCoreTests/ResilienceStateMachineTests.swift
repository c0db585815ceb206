import Foundation
import Testing

@testable import GatewayCore

@Suite struct SlidingWindowBudgetTests {
    struct Sent {
        var start: Double
        var end: Double
    }

    /// Runs callers through the budget in steps of 10 ms: `arrivals[i]` is when caller i comes, `durations[i]` how
    /// long its request is in flight. Returns what was sent.
    func simulate(_ budget: inout SlidingWindowBudget, arrivals: [Double], durations: [Double]) -> [Sent] {
        var tickets: [(caller: Int, ticket: UInt64)] = []
        var inFlight: [(id: UInt64, caller: Int, end: Double)] = []
        var sent = [Sent?](repeating: nil, count: arrivals.count)
        var next = 0
        var now = 0.0
        while sent.contains(where: { $0 == nil }) && now < 1000 {
            for flight in inFlight where flight.end <= now { budget.finish(flight.id, at: flight.end) }
            inFlight.removeAll { $0.end <= now }
            while next < arrivals.count && arrivals[next] <= now {
                tickets.append((next, budget.ticket()))
                next += 1
            }
            var granted = true
            while granted, let head = tickets.first {
                granted = false
                if case .granted(let id) = budget.acquire(head.ticket, now: now) {
                    tickets.removeFirst()
                    sent[head.caller] = Sent(start: now, end: now + durations[head.caller])
                    inFlight.append((id, head.caller, now + durations[head.caller]))
                    granted = true
                }
            }
            now = (now * 100 + 1).rounded() / 100
        }
        return sent.compactMap { $0 }
    }

    /// However HighLevel places each arrival inside [start, end], no window of `window` holds more than `limit`:
    /// when a request starts, fewer than `limit` earlier ones can still share a window with it.
    func expectNeverOverLimit(_ sent: [Sent], limit: Int, window: Double) {
        for request in sent {
            let overlapping = sent.filter { $0.start < request.start && $0.end > request.start - window }.count
            #expect(overlapping < limit, "\(overlapping) requests could share a window with the one at \(request.start)")
        }
    }

    @Test func neverMoreThanTheLimitWhereverHighLevelCountsAnArrival() {
        // The simulation runs on a 10 ms grid, so ends often fall exactly a window before a start; a tiny margin
        // keeps floating-point noise at those boundaries out of the check.
        var budget = SlidingWindowBudget(limit: 100, window: 10, margin: 0.001)
        let arrivals = (0..<350).map { Double($0) * 0.05 }
        // Answers that take up to two seconds: a loaded machine or a slow upstream.
        let durations = (0..<350).map { Double(($0 * 37) % 200) / 100 }
        let sent = simulate(&budget, arrivals: arrivals, durations: durations)
        #expect(sent.count == 350)
        expectNeverOverLimit(sent, limit: 100, window: 10)
        // Not stricter than it must be: the first 100 go as they arrive; 350 requests take about four windows.
        #expect(zip(sent.prefix(100), arrivals).allSatisfy { abs($0.start - $1) < 0.011 })
        #expect(sent.max(by: { $0.start < $1.start })!.start < 50)
        // And in arrival order.
        #expect(sent.map(\.start) == sent.map(\.start).sorted())
    }

    @Test func aRequestInFlightHoldsItsPlaceUntilItEnds() {
        var budget = SlidingWindowBudget(limit: 2, window: 10, margin: 0)
        let a = budget.ticket()
        let b = budget.ticket()
        let c = budget.ticket()
        guard case .granted(let first) = budget.acquire(a, now: 0), case .granted = budget.acquire(b, now: 0) else {
            Issue.record("the first two were not granted"); return
        }
        // Both in flight: no time can be given yet.
        #expect(budget.acquire(c, now: 1) == .wait(until: nil))
        budget.finish(first, at: 3)
        #expect(budget.acquire(c, now: 4) == .wait(until: 13))
        #expect(budget.acquire(c, now: 13) == .granted(c))
        #expect(budget.remaining(now: 13) == 0)
    }

    @Test func callersAreServedInOrderAndMayLeave() {
        var budget = SlidingWindowBudget(limit: 1, window: 1, margin: 0)
        let first = budget.ticket()
        let second = budget.ticket()
        let third = budget.ticket()
        #expect(budget.acquire(second, now: 0) == .wait(until: nil))  // not its turn
        guard case .granted(let id) = budget.acquire(first, now: 0) else { Issue.record("head not granted"); return }
        budget.finish(id, at: 0.5)
        budget.abandon(second)
        #expect(budget.acquire(third, now: 1.5) == .granted(third))
    }

    @Test func learnsFromHighLevelsRemainingCount() {
        var budget = SlidingWindowBudget(limit: 100, window: 10, margin: 0)
        let ticket = budget.ticket()
        guard case .granted(let id) = budget.acquire(ticket, now: 0) else { Issue.record("not granted"); return }
        budget.finish(id, at: 0.2)
        // HighLevel says only 10 are left: someone else used 89.
        budget.observe(remaining: 10, now: 0.5)
        #expect(budget.remaining(now: 0.5) == 10)
        // A remaining count higher than ours never loosens the budget.
        budget.observe(remaining: 99, now: 0.6)
        #expect(budget.remaining(now: 0.6) == 10)
        #expect(budget.remaining(now: 10.6) == 100)
    }

    @Test func dailyBudgetRefusesPastItsLimitAndLearns() {
        var daily = DailyBudget(limit: 3)
        #expect(daily.take(now: 0) == nil)
        #expect(daily.take(now: 1) == nil)
        #expect(daily.take(now: 2) == nil)
        let retryAt = daily.take(now: 3)
        #expect(retryAt != nil && retryAt! >= 86_400)
        #expect(daily.take(now: 86_400 + 61) == nil)
        var learned = DailyBudget(limit: 100)
        learned.observe(remaining: 0, now: 5)
        #expect(learned.take(now: 6) != nil)
    }
}

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 3, baseDelay: 0.1, maxDelay: 2)
    let lost = UpstreamError(kind: .connectionLost, requestMayHaveReachedServer: true, message: "reset")
    let refused = UpstreamError(kind: .unreachable, requestMayHaveReachedServer: false, message: "refused")

    @Test func idempotentMethodsRetryOnFailuresAndRetryableStatuses() {
        for method in ["GET", "PUT", "DELETE"] {
            for status in [429, 502, 503, 504] {
                #expect(policy.decide(method: method, attempt: 1, outcome: .response(status: status, retryAfterSeconds: nil),
                                      remainingSeconds: 10, random: 0.5) == .retry(afterSeconds: 0.05))
            }
            #expect(policy.decide(method: method, attempt: 1, outcome: .failure(lost), remainingSeconds: 10, random: 1) != .stop)
            #expect(policy.decide(method: method, attempt: 1, outcome: .response(status: 500, retryAfterSeconds: nil),
                                  remainingSeconds: 10, random: 0.5) == .stop)
            #expect(policy.decide(method: method, attempt: 1, outcome: .response(status: 404, retryAfterSeconds: nil),
                                  remainingSeconds: 10, random: 0.5) == .stop)
        }
    }

    @Test func postOnlyOn429OrWhenItNeverLeft() {
        #expect(policy.decide(method: "POST", attempt: 1, outcome: .response(status: 503, retryAfterSeconds: nil),
                              remainingSeconds: 10, random: 0.5) == .stop)
        #expect(policy.decide(method: "POST", attempt: 1, outcome: .failure(lost), remainingSeconds: 10, random: 0.5) == .stop)
        #expect(policy.decide(method: "POST", attempt: 1, outcome: .failure(refused), remainingSeconds: 10, random: 0.5) != .stop)
        #expect(policy.decide(method: "POST", attempt: 1, outcome: .response(status: 429, retryAfterSeconds: 1),
                              remainingSeconds: 10, random: 0.5) == .retry(afterSeconds: 1))
    }

    /// Each draw from the system generator is a system call; a request that is not retried must not pay for one.
    @Test func jitterIsDrawnOnlyForARetry() {
        var draws = 0
        func draw() -> Double {
            draws += 1
            return 0.5
        }
        for outcome in [RetryPolicy.Outcome.response(status: 200, retryAfterSeconds: nil),
                        .response(status: 404, retryAfterSeconds: nil), .response(status: 500, retryAfterSeconds: nil)] {
            #expect(policy.decide(method: "GET", attempt: 1, outcome: outcome, remainingSeconds: 10, random: draw()) == .stop)
        }
        #expect(policy.decide(method: "GET", attempt: 3, outcome: .failure(lost), remainingSeconds: 10, random: draw()) == .stop)
        #expect(draws == 0)
        #expect(policy.decide(method: "GET", attempt: 1, outcome: .failure(lost), remainingSeconds: 10, random: draw()) != .stop)
        #expect(draws == 1)
    }

    @Test func backoffIsExponentialWithFullJitterAndCapped() {
        let capped = RetryPolicy(maxAttempts: 10, baseDelay: 0.1, maxDelay: 0.5)
        let outcome = RetryPolicy.Outcome.response(status: 503, retryAfterSeconds: nil)
        #expect(capped.decide(method: "GET", attempt: 1, outcome: outcome, remainingSeconds: 10, random: 0.999) == .retry(afterSeconds: 0.0999))
        #expect(capped.decide(method: "GET", attempt: 3, outcome: outcome, remainingSeconds: 10, random: 0.5) == .retry(afterSeconds: 0.2))
        #expect(capped.decide(method: "GET", attempt: 8, outcome: outcome, remainingSeconds: 10, random: 1) == .retry(afterSeconds: 0.5))
        #expect(capped.decide(method: "GET", attempt: 3, outcome: outcome, remainingSeconds: 10, random: 0) == .retry(afterSeconds: 0))
    }

    @Test func retryAfterIsHonouredButNeverPastTheBudget() {
        let outcome = RetryPolicy.Outcome.response(status: 429, retryAfterSeconds: 3)
        #expect(policy.decide(method: "GET", attempt: 1, outcome: outcome, remainingSeconds: 10, random: 0) == .retry(afterSeconds: 3))
        #expect(policy.decide(method: "GET", attempt: 1, outcome: outcome, remainingSeconds: 2, random: 0) == .stop)
        #expect(policy.decide(method: "GET", attempt: 3, outcome: outcome, remainingSeconds: 10, random: 0) == .stop)
    }

    @Test func retryAfterParsesSecondsAndHTTPDates() {
        #expect(RetryPolicy.parseRetryAfter("7", now: 0) == 7)
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_770) == 7)
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_800) == 0)
        #expect(RetryPolicy.parseRetryAfter("soon", now: 0) == nil)
        #expect(RetryPolicy.parseRetryAfter(nil, now: 0) == nil)
    }
}

@Suite struct CircuitBreakerTests {
    @Test func opensAfterARunOfFailuresThenProbes() {
        var breaker = CircuitBreaker(failureThreshold: 3, openDuration: 5)
        for time in [0.0, 1, 2] {
            #expect(breaker.admit(now: time) == .allowed)
            breaker.recordFailure(now: time)
        }
        #expect(breaker.admit(now: 3) == .rejected(retryAfterSeconds: 4))
        // Half-open: one probe at a time.
        #expect(breaker.admit(now: 7) == .allowed)
        #expect(breaker.admit(now: 7.1) == .rejected(retryAfterSeconds: 1))
        breaker.recordFailure(now: 7.25)
        #expect(breaker.admit(now: 8) == .rejected(retryAfterSeconds: 4.25))
        #expect(breaker.admit(now: 12.5) == .allowed)
        breaker.recordSuccess()
        #expect(breaker.admit(now: 12.75) == .allowed)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
    }

    @Test func successResetsTheRun() {
        var breaker = CircuitBreaker(failureThreshold: 3, openDuration: 5)
        breaker.recordFailure(now: 0)
        breaker.recordFailure(now: 0)
        breaker.recordSuccess()
        breaker.recordFailure(now: 0)
        #expect(breaker.admit(now: 0) == .allowed)
    }
}
