import Synchronization

/// The connections open at once, counted across every event loop, against `GATEWAY_MAX_CONNECTIONS`.
final class ConnectionSlots: Sendable {
    let limit: Int
    private let taken = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot, or answers false when all `limit` are taken. Exact under races: a compare-and-exchange, so two
    /// connections arriving together on two event loops never both take the last slot.
    func take() -> Bool {
        var current = taken.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = taken.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() {
        taken.subtract(1, ordering: .relaxed)
    }

    var open: Int { taken.load(ordering: .relaxed) }
}
