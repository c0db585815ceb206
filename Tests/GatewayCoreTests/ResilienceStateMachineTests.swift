import Foundation
import Testing

@testable import GatewayCore

@Suite struct SlidingWindowBudgetTests {
    /// Counts sends in every window [t, t + w) and (t, t + w] that starts or ends at a send: the worst alignment.
    func maxInAnyWindow(_ slots: [Double], window: Double) -> Int {
        var worst = 0
        for start in slots {
            worst = max(worst, slots.filter { $0 >= start && $0 < start + window }.count)
            worst = max(worst, slots.filter { $0 > start - window && $0 <= start }.count)
        }
        return worst
    }

    @Test func neverMoreThanTheLimitInAnyWindowFixedOrSliding() {
        // A tiny margin only absorbs floating-point noise in the test's own window arithmetic.
        var budget = SlidingWindowBudget(limit: 100, window: 10, margin: 0.001)
        var slots: [Double] = []
        // 350 callers arriving 20 per second.
        for index in 0..<350 { slots.append(budget.reserve(now: Double(index) * 0.05)) }
        #expect(maxInAnyWindow(slots, window: 10) <= 100)
        #expect(slots.prefix(100).allSatisfy { $0 <= 5 })  // the first 100 go when they arrive
        #expect(slots[100] >= 10)  // the 101st waits for the first to leave the window
        // And it is not stricter than it must be: 350 sends fit in about 3.5 windows.
        #expect(slots.last! < 35)
        #expect(slots == slots.sorted())
    }

    @Test func fixedWindowAlignmentIsSafeToo() {
        var budget = SlidingWindowBudget(limit: 100, window: 10, margin: 0.1)
        var slots: [Double] = []
        for index in 0..<300 { slots.append(budget.reserve(now: 9.9 + Double(index) * 0.001)) }
        // Any fixed 10 s window, wherever its boundary, holds at most 100.
        for boundary in stride(from: 0.0, to: 10.0, by: 0.05) {
            var buckets: [Int: Int] = [:]
            for slot in slots { buckets[Int(((slot - boundary) / 10).rounded(.down)), default: 0] += 1 }
            #expect(buckets.values.max()! <= 100)
        }
    }

    @Test func learnsFromHighLevelsRemainingCount() {
        var budget = SlidingWindowBudget(limit: 100, window: 10, margin: 0)
        _ = budget.reserve(now: 0)
        // HighLevel says only 10 are left: someone else used 89.
        budget.observe(remaining: 10, now: 0.5)
        #expect(budget.remaining(now: 0.5) == 10)
        for _ in 0..<10 { #expect(budget.reserve(now: 1) == 1) }
        #expect(budget.reserve(now: 1) >= 10)
        // A remaining count higher than ours never loosens the budget.
        var strict = SlidingWindowBudget(limit: 100, window: 10, margin: 0)
        for _ in 0..<50 { _ = strict.reserve(now: 0) }
        strict.observe(remaining: 99, now: 0)
        #expect(strict.remaining(now: 0) == 50)
    }

    @Test func releasedSlotsGoBack() {
        var budget = SlidingWindowBudget(limit: 2, window: 10, margin: 0)
        _ = budget.reserve(now: 0)
        _ = budget.reserve(now: 0)
        let waiting = budget.reserve(now: 0)
        #expect(waiting == 10)
        budget.release(waiting)
        #expect(budget.nextSlot(now: 0) == 10)
        #expect(budget.remaining(now: 0) == 0)
        #expect(budget.remaining(now: 10.5) == 2)
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
