import Foundation
import Synchronization
import GatewayCore
import Testing

/// A gateway's slice of a shared key allowance, driven by hand: a GCRA value stands in for the shared state, as the
/// store's `gateway_take_allowance` computes it, so three "gateways" sharing one key can be stepped in one test.
struct LeasedAllowanceTests {
    let start = Date(timeIntervalSinceReferenceDate: 0)

    /// The shared state as `gateway_take_allowance` (PostgreSQL migration v6) keeps it: the GCRA step taken up to
    /// `count` times at once.
    struct Ledger {
        let interval: Double
        let window: Double
        var tat: Date?

        mutating func take(_ count: Int, at now: Date) -> SharedAllowance {
            let current = min(max(tat ?? now, now), now.addingTimeInterval(window))
            let room = max(0, Int((now.addingTimeInterval(window).timeIntervalSince(current) / interval + 1e-5).rounded(.down)))
            let granted = min(count, room)
            tat = current.addingTimeInterval(Double(granted) * interval)
            return SharedAllowance(granted: granted, theoreticalArrival: tat!)
        }
    }

    @Test func sliceSizeIsATenthOfASecondCappedAtAQuarterOfTheBurst() {
        #expect(LeasedAllowance(rate: Rate(count: 10, perSeconds: 1), burst: 10).sliceSize == 1)
        #expect(LeasedAllowance(rate: Rate(count: 20, perSeconds: 1), burst: 40).sliceSize == 2)
        #expect(LeasedAllowance(rate: Rate(count: 10_000, perSeconds: 1), burst: 1_000).sliceSize == 250)
        #expect(LeasedAllowance(rate: Rate(count: 100, perSeconds: 60), burst: 1).sliceSize == 1)
    }

    @Test func aSliceIsSpentInMemoryThenTheStoreIsAskedAgain() {
        var lease = LeasedAllowance(rate: Rate(count: 100, perSeconds: 1), burst: 40)
        #expect(lease.next(at: start) == .askStore)
        let first = lease.take(SharedAllowance(granted: 10, theoreticalArrival: start.addingTimeInterval(0.1)), at: start)
        #expect(first.allowed)
        for _ in 0..<9 {
            guard case .admitted(let decision) = lease.next(at: start) else { Issue.record("not admitted"); return }
            #expect(decision.allowed && decision.limit == 40)
        }
        #expect(lease.next(at: start) == .askStore)
    }

    @Test func aSliceNotSpentWithinItsLifetimeIsDropped() {
        var lease = LeasedAllowance(rate: Rate(count: 100, perSeconds: 1), burst: 40)
        _ = lease.take(SharedAllowance(granted: 10, theoreticalArrival: start.addingTimeInterval(0.1)), at: start)
        #expect(lease.next(at: start.addingTimeInterval(LeasedAllowance.lifetime)) == .askStore)
    }

    @Test func aRefusalIsRepeatedInMemoryUntilTheSharedStateHasRoom() {
        var lease = LeasedAllowance(rate: Rate(count: 10, perSeconds: 1), burst: 10)
        // The shared TAT is a whole window ahead: one interval frees up 0.1 s from now.
        let refused = lease.take(SharedAllowance(granted: 0, theoreticalArrival: start.addingTimeInterval(1)), at: start)
        #expect(!refused.allowed && abs(refused.retryAfter - 0.1) < 1e-4 && refused.retryAfterSeconds == 1)
        guard case .refused(let again) = lease.next(at: start.addingTimeInterval(0.05)) else {
            Issue.record("the store was asked again before it could have room"); return
        }
        #expect(!again.allowed && again.remaining == 0)
        #expect(lease.next(at: start.addingTimeInterval(0.1)) == .askStore)
    }

    @Test func threeGatewaysHammeringOneKeyGetWhatOneGatewayWouldHave() {
        let rate = Rate(count: 10, perSeconds: 1)
        var ledger = Ledger(interval: 0.1, window: 1)
        var gateways = Array(repeating: LeasedAllowance(rate: rate, burst: 10), count: 3)
        var admitted = 0
        var asked = 0
        // Each gateway tries once a millisecond, in turn, for 3 s.
        for step in 0...3000 {
            let now = start.addingTimeInterval(Double(step) / 1000)
            for index in gateways.indices {
                switch gateways[index].next(at: now) {
                case .admitted: admitted += 1
                case .refused: break
                case .askStore:
                    asked += 1
                    if gateways[index].take(ledger.take(gateways[index].sliceSize, at: now), at: now).allowed { admitted += 1 }
                }
            }
        }
        // One gateway alone: the burst and 3 s of rate.
        #expect(admitted == 10 + 30)
        // The store is asked about once per admitted request and per interval refused, not per attempt (9,003).
        #expect(asked < 200, "\(asked)")
    }
}

/// The limiter with a shared ledger under concurrency: a burst of requests on one key costs the ledger a few round
/// trips, not one each, and admits exactly what the key's allowance holds.
struct SharedKeyRateLimiterTests {
    actor CountingLedger: SharedRateLedger {
        var ledger = LeasedAllowanceTests.Ledger(interval: 0.1, window: 1)
        var asks = 0

        func takeAllowance(keyId: String, count: Int, emissionInterval: Double, window: Double, at now: Date) async throws
            -> SharedAllowance
        {
            asks += 1
            // A round trip's worth of waiting, so that requests pile up behind the one asking.
            try await Task.sleep(for: .milliseconds(5))
            return ledger.take(count, at: now)
        }
    }

    struct Away: Error {}
    struct AwayLedger: SharedRateLedger {
        func takeAllowance(keyId: String, count: Int, emissionInterval: Double, window: Double, at now: Date) async throws
            -> SharedAllowance { throw Away() }
    }

    static let principal = Principal(
        keyId: "k1", keyName: "k", role: Role(name: "reader", scopes: [.contactsReadonly]), locations: nil,
        rate: Rate(count: 10, perSeconds: 1), burst: 10)

    @Test func aBurstOnOneKeyAsksTheLedgerAFewTimesAndGetsExactlyTheBurst() async {
        let clock = ManualWallClock(Date(timeIntervalSinceReferenceDate: 0))
        let ledger = CountingLedger()
        let limiter = KeyRateLimiter(defaultRate: Rate(count: 20, perSeconds: 1), defaultBurst: 40, clock: clock, ledger: ledger)
        #expect(limiter.isShared)
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<40 { group.addTask { await limiter.decide(Self.principal).allowed } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 10)
        let asks = await ledger.asks
        #expect(asks < 15, "\(asks) asks for 40 requests")
    }

    @Test func aLedgerAwayFallsBackToThisGatewaysOwnLimit() async {
        let clock = ManualWallClock(Date(timeIntervalSinceReferenceDate: 0))
        let failures = Counter()
        let limiter = KeyRateLimiter(
            defaultRate: Rate(count: 20, perSeconds: 1), defaultBurst: 40, clock: clock, ledger: AwayLedger(),
            onLedgerFailure: { _ in failures.add() })
        var admitted = 0
        for _ in 0..<15 where await limiter.decide(Self.principal).allowed { admitted += 1 }
        #expect(admitted == 10 && failures.value == 15)
    }

    final class Counter: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }
}
