import Foundation

/// Where the calls every gateway on the store made to HighLevel per location are counted (PostgreSQL), so that
/// several gateways keep to one location's window (100 per 10 s) together, not each.
///
/// A call counts from when its place is taken until a window after it ended, as this gateway's own window counts
/// it: HighLevel counts a call when it arrives, which is after it was sent and before it ended, so counting from
/// the end can never let a call in that HighLevel would count in a full window.
public protocol SharedUpstreamLedger: Sendable {
    /// Takes a place for a call to `locationId` at `now` if fewer than `limit` calls are counted in the `window`
    /// seconds before; a place taken counts as still in flight until ``finishUpstreamSlot(id:window:at:)``, or at
    /// most `hold` and `window` seconds (a gateway that died mid-call).
    func takeUpstreamSlot(locationId: String, limit: Int, window: Double, hold: Double, at now: Date) async throws
        -> UpstreamSlot
    /// The call in place `id` ended at `end`: it counts for one `window` from then.
    func finishUpstreamSlot(id: Int64, window: Double, at end: Date) async throws
}

/// What the shared window answered.
public enum UpstreamSlot: Sendable, Equatable {
    case taken(id: Int64)
    /// Full: a place can be had in this many seconds at the soonest.
    case wait(seconds: Double)
}
