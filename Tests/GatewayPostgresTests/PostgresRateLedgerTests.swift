import Foundation
import GatewayCore
import GatewayPostgres
import Logging
import TestPostgres
import Testing

/// The shared GCRA state on the real engine: what several gateways (here three stores, each its own pool) take at
/// once never adds up to more than one key's allowance.
@Suite(.enabled(if: TestPostgres.enabled)) struct PostgresRateLedgerTests {
    let logger = Logger(label: "test")

    @Test func racingGatewaysTakeExactlyTheBurstThenTheRate() async throws {
        let database = try await TestPostgres.makeDatabase()
        let secret = GatewaySecret.generate()
        var stores: [PostgresStore] = []
        for _ in 0..<3 { stores.append(try await PostgresStore.open(url: database.location, secret: secret, logger: logger)) }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        // A 10/s key with a burst of 10: 30 takers of one each, at the same instant, from three stores.
        let granted = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<30 {
                let store = stores[index % 3]
                group.addTask {
                    try await store.takeAllowance(keyId: "k-race", count: 1, emissionInterval: 0.1, window: 1, at: now).granted
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(granted == 10)
        // Half a second later, five more intervals are free; asked for eight at once, five are granted.
        let later = try await stores[1].takeAllowance(
            keyId: "k-race", count: 8, emissionInterval: 0.1, window: 1, at: now.addingTimeInterval(0.5))
        #expect(later.granted == 5 && abs(later.theoreticalArrival.timeIntervalSince(now) - 1.5) < 1e-6)
        // Refused: nothing taken, and the TAT says when the next interval frees up.
        let refused = try await stores[2].takeAllowance(
            keyId: "k-race", count: 1, emissionInterval: 0.1, window: 1, at: now.addingTimeInterval(0.5))
        #expect(refused.granted == 0 && refused.theoreticalArrival == later.theoreticalArrival)
        // Another key is untouched; a clock set far back holds the TAT to one window ahead.
        #expect(try await stores[0].takeAllowance(keyId: "k-other", count: 3, emissionInterval: 0.1, window: 1, at: now).granted == 3)
        let back = try await stores[0].takeAllowance(
            keyId: "k-race", count: 1, emissionInterval: 0.1, window: 1, at: now.addingTimeInterval(-60))
        #expect(back.granted == 0 && abs(back.theoreticalArrival.timeIntervalSince(now.addingTimeInterval(-59))) < 1e-6)
        for store in stores { await store.close() }
        await database.drop()
    }
}
