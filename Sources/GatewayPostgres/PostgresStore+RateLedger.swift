import Foundation
import GatewayCore
import PostgresNIO

/// Keys' GCRA state (migration v6) and every gateway's calls to HighLevel per location (v7) in the database, so that
/// gateways on one store apply one limit per key and one window per location.
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

extension PostgresStore: SharedUpstreamLedger {
    public func takeUpstreamSlot(locationId: String, limit: Int, window: Double, hold: Double, at now: Date)
        async throws -> UpstreamSlot
    {
        let rows = try await rows(
            """
            SELECT o_id, o_wait FROM gateway_take_upstream_slot(
                \(locationId), \(Int32(clamping: limit)), \(window), \(hold + window), \(now.timeIntervalSince1970))
            """)
        guard let row = rows.first else { throw Unavailable(description: "the upstream ledger answered nothing") }
        let (id, wait) = try row.decode((Int64?, Double).self)
        if let id { return .taken(id: id) }
        return .wait(seconds: wait)
    }

    public func finishUpstreamSlot(id: Int64, window: Double, at end: Date) async throws {
        _ = try await rows("UPDATE upstream_calls SET until = \(end.timeIntervalSince1970 + window) WHERE id = \(id)")
    }
}
