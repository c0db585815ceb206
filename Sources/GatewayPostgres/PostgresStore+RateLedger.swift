import Foundation
import GatewayCore
import PostgresNIO

/// Keys' GCRA state in the database (migration v6), so that every gateway applies one limit per key.
extension PostgresStore: SharedRateLedger {
    public func takeAllowance(keyId: String, count: Int, emissionInterval: Double, window: Double, at now: Date)
        async throws -> SharedAllowance
    {
        let rows = try await rows(
            """
            SELECT o_granted, o_tat FROM gateway_take_allowance(
                \(keyId), \(Int32(clamping: count)), \(now.timeIntervalSince1970), \(emissionInterval), \(window))
            """)
        guard let row = rows.first else { throw Unavailable(description: "the rate ledger answered nothing") }
        let (granted, tat) = try row.decode((Int32, Double).self)
        return SharedAllowance(granted: Int(granted), theoreticalArrival: Date(timeIntervalSince1970: tat))
    }
}
