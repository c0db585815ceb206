import Foundation

/// Where keys' GCRA state is kept when several gateways must apply one limit per key: the shared store (PostgreSQL).
/// A gateway takes a slice of a key's allowance at a time (``LeasedAllowance``), so most requests are decided in
/// memory and the store is asked about once per slice.
public protocol SharedRateLedger: Sendable {
    /// Advances the key's shared theoretical arrival time by up to `count` emission intervals, as far as its window
    /// allows at `now` (the GCRA step, taken `count` times at once, atomically for every gateway).
    func takeAllowance(keyId: String, count: Int, emissionInterval: Double, window: Double, at now: Date) async throws
        -> SharedAllowance
}

/// What the shared ledger granted.
public struct SharedAllowance: Sendable, Equatable {
    /// Requests granted, from 0 to the count asked for.
    public var granted: Int
    /// The key's theoretical arrival time after the grant.
    public var theoreticalArrival: Date

    public init(granted: Int, theoreticalArrival: Date) {
        self.granted = granted
        self.theoreticalArrival = theoreticalArrival
    }
}
