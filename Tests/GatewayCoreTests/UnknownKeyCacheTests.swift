import Foundation
import GatewayCore
import Testing

/// The negative cache in front of the store for key ids the directory does not hold.
struct UnknownKeyCacheTests {
    let start = Date(timeIntervalSinceReferenceDate: 0)

    @Test func anIdFoundMissingIsNotLookedUpAgainUntilItsTTLEnds() {
        var cache = UnknownKeyCache(capacity: 10, ttl: 2, lookupsPerSecond: 100)
        #expect(cache.decide("abc", now: start) == .lookUp)
        cache.rememberMissing("abc", now: start)
        #expect(cache.decide("abc", now: start.addingTimeInterval(1.999)) == .knownMissing)
        #expect(cache.decide("abc", now: start.addingTimeInterval(2)) == .lookUp)
        #expect(cache.count == 0)
    }

    @Test func itHoldsAtMostItsCapacityForgettingTheOldestFirst() {
        var cache = UnknownKeyCache(capacity: 100, ttl: 60, lookupsPerSecond: 1_000_000)
        for index in 0..<250 {
            let now = start.addingTimeInterval(Double(index) * 0.001)
            #expect(cache.decide("id\(index)", now: now) == .lookUp)
            cache.rememberMissing("id\(index)", now: now)
        }
        #expect(cache.count == 100)
        let later = start.addingTimeInterval(1)
        #expect(cache.decide("id149", now: later) == .lookUp)  // forgotten: among the 150 oldest
        #expect(cache.decide("id150", now: later) == .knownMissing)
        #expect(cache.decide("id249", now: later) == .knownMissing)
    }

    @Test func aFloodOfDistinctIdsGetsOnlyTheLookupBudget() {
        var cache = UnknownKeyCache(capacity: 10_000, ttl: 2, lookupsPerSecond: 50)
        var lookups = 0
        // 100,000 made-up ids in 2 s, each different: the store is read 50 times at once, then 50 a second.
        for index in 0..<100_000 {
            let now = start.addingTimeInterval(Double(index) * 0.00002)
            if cache.decide("flood\(index)", now: now) == .lookUp {
                lookups += 1
                cache.rememberMissing("flood\(index)", now: now)
            }
        }
        #expect(lookups >= 149 && lookups <= 151)
        #expect(cache.count <= 150)
    }

    @Test func aReportedChangeForgetsTheId() {
        var cache = UnknownKeyCache(capacity: 10, ttl: 60, lookupsPerSecond: 10)
        cache.rememberMissing("new", now: start)
        cache.rememberMissing("other", now: start)
        cache.forget("new")
        #expect(cache.decide("new", now: start) == .lookUp)
        #expect(cache.decide("other", now: start) == .knownMissing)
        cache.forgetAll()
        #expect(cache.decide("other", now: start) == .lookUp)
        // A forgotten id remembered again counts from its new time, not its first.
        cache.rememberMissing("other", now: start.addingTimeInterval(30))
        #expect(cache.decide("other", now: start.addingTimeInterval(89)) == .knownMissing)
        #expect(cache.decide("other", now: start.addingTimeInterval(90)) == .lookUp)
    }
}
