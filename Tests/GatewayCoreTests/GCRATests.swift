import Foundation
import GatewayCore
import Testing

struct GCRATests {
    // Near the reference date, so that a test's own additions do not round.
    let start = Date(timeIntervalSinceReferenceDate: 0)

    @Test func aFreshKeyBurstsExactlyItsBurstThenWaitsOneInterval() {
        var state = GCRA(rate: Rate(count: 10, perSeconds: 1), burst: 10)
        let decisions = (0..<11).map { _ in state.attempt(at: start) }
        #expect(decisions.prefix(10).allSatisfy { $0.allowed })
        #expect(decisions.prefix(10).map(\.remaining) == Array((0..<10).reversed()))
        let refused = decisions[10]
        #expect(!refused.allowed)
        #expect(abs(refused.retryAfter - 0.1) < 1e-6)
        #expect(refused.retryAfterSeconds == 1)
        // The refusal took nothing: one interval later exactly one more is admitted.
        #expect(!state.attempt(at: start.addingTimeInterval(0.09)).allowed)
        #expect(state.attempt(at: start.addingTimeInterval(0.1)).allowed)
        #expect(!state.attempt(at: start.addingTimeInterval(0.1)).allowed)
    }

    @Test func hammeredForTwoSecondsAdmitsBurstPlusTwoSecondsOfRate() {
        let clock = ManualWallClock(start)
        var state = GCRA(rate: Rate(count: 10, perSeconds: 1), burst: 10)
        var admitted = 0
        // One attempt per millisecond for 2 s, the last at exactly 2.000 s.
        for step in 0...2000 {
            if state.attempt(at: clock.now()).allowed { admitted += 1 }
            if step < 2000 { clock.advance(by: 0.001) }
        }
        #expect(admitted == 30)
    }

    @Test func sustainedRateOverALongRunMatchesTheRate() {
        let clock = ManualWallClock(start)
        var state = GCRA(rate: Rate(count: 600, perSeconds: 60), burst: 5)
        var admitted = 0
        for _ in 0..<6000 {
            if state.attempt(at: clock.now()).allowed { admitted += 1 }
            clock.advance(by: 0.01)
        }
        // 60 s at 10/s, plus the initial burst.
        #expect((600...605).contains(admitted))
    }

    @Test func anIdleKeyGetsItsWholeBurstBackAfterOneWindow() {
        var state = GCRA(rate: Rate(count: 2, perSeconds: 1), burst: 4)
        for _ in 0..<4 { #expect(state.attempt(at: start).allowed) }
        let refused = state.attempt(at: start)
        #expect(!refused.allowed)
        #expect(abs(refused.resetAfter - 2) < 1e-6)
        let later = start.addingTimeInterval(2)
        let first = state.attempt(at: later)
        #expect(first.allowed && first.remaining == 3)
    }

    @Test func aClockSteppedBackLocksAKeyOutForAtMostOneWindow() {
        var state = GCRA(rate: Rate(count: 1, perSeconds: 1), burst: 2)
        _ = state.attempt(at: start.addingTimeInterval(3600))
        _ = state.attempt(at: start.addingTimeInterval(3600))
        // The wall clock jumps an hour back: the key waits one window, not an hour.
        let back = state.attempt(at: start)
        #expect(!back.allowed)
        #expect(back.retryAfter <= state.window + 1e-6)
        #expect(state.attempt(at: start.addingTimeInterval(state.window)).allowed)
    }

    @Test func headersFollowTheRateLimitDraft() {
        var state = GCRA(rate: Rate(count: 10, perSeconds: 1), burst: 10)
        let first = state.attempt(at: start)
        #expect(first.policyField == #""key";q=10;w=1"#)
        #expect(first.stateField == #""key";r=9;t=1"#)
        #expect(first.headers["Retry-After"] == nil)
        for _ in 0..<9 { _ = state.attempt(at: start) }
        let refused = state.attempt(at: start)
        #expect(refused.headers == [
            "RateLimit-Policy": #""key";q=10;w=1"#, "RateLimit": #""key";r=0;t=1"#, "Retry-After": "1",
        ])
        let error = GatewayError.rateLimited(refused)
        #expect(error.status == 429)
        #expect(error.headers["Retry-After"] == "1")

        var slow = GCRA(rate: Rate(count: 20, perSeconds: 1), burst: 40)
        #expect(slow.attempt(at: start).policyField == #""key";q=40;w=2"#)
    }

    @Test func changedParametersKeepWhatWasSpent() {
        var state = GCRA(rate: Rate(count: 1, perSeconds: 1), burst: 3)
        for _ in 0..<3 { #expect(state.attempt(at: start).allowed) }
        var raised = state.adjusted(rate: Rate(count: 1, perSeconds: 1), burst: 5)
        #expect(raised.attempt(at: start).allowed)
        #expect(raised.attempt(at: start).allowed)
        #expect(!raised.attempt(at: start).allowed)
    }
}

struct KeyRateLimiterTests {
    @Test func keysAreLimitedIndependentlyWithDefaults() {
        let clock = ManualWallClock()
        let limiter = KeyRateLimiter(defaultRate: Rate(count: 20, perSeconds: 1), defaultBurst: 40, clock: clock)
        #expect((0..<40).allSatisfy { _ in limiter.admit(keyId: "a", rate: nil, burst: nil).allowed })
        #expect(!limiter.admit(keyId: "a", rate: nil, burst: nil).allowed)
        #expect(limiter.admit(keyId: "b", rate: nil, burst: nil).allowed)
        // A key with a rate and no burst may burst one period of its rate.
        #expect((0..<5).allSatisfy { _ in limiter.admit(keyId: "c", rate: Rate(count: 5, perSeconds: 1), burst: nil).allowed })
        #expect(!limiter.admit(keyId: "c", rate: Rate(count: 5, perSeconds: 1), burst: nil).allowed)
        clock.advance(by: 0.2)
        #expect(limiter.admit(keyId: "c", rate: Rate(count: 5, perSeconds: 1), burst: nil).allowed)
        let limits = limiter.limits(rate: nil, burst: 7)
        #expect(limits.rate == Rate(count: 20, perSeconds: 1) && limits.burst == 7)
    }

    @Test func concurrentRequestsOfManyKeysAreCountedExactly() async {
        let limiter = KeyRateLimiter(
            defaultRate: Rate(count: 1, perSeconds: 3600), defaultBurst: 5, clock: ManualWallClock())
        let admitted = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var count = 0
                    for round in 0..<500 {
                        let key = "key-\((round + worker * 7) % 100)"
                        if limiter.admit(keyId: key, rate: nil, burst: nil).allowed { count += 1 }
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        // 100 keys, 40 attempts each, 5 admitted each.
        #expect(admitted == 500)
    }
}
