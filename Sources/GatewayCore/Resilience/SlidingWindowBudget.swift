/// At most `limit` sends in any window of `window` seconds, whatever the window's alignment: HighLevel does not say
/// whether its 100-per-10-s window is fixed or sliding, and a sliding log is safe under both.
///
/// Sends are reserved, not just counted: a caller gets a slot (now, or a moment in the future) and the slot is
/// recorded at once, so callers queued behind a full window leave in order, one slot each, without a herd.
/// Times are seconds on any monotonic scale; the value is pure and is tested with numbers.
public struct SlidingWindowBudget: Sendable, Equatable {
    public let limit: Int
    public let window: Double
    /// Added to every computed slot: covers network jitter between our send and HighLevel's count.
    public let margin: Double
    /// Reserved send times, ascending; older than one window are dropped.
    private(set) var slots: [Double] = []

    public init(limit: Int, window: Double, margin: Double = 0.1) {
        self.limit = max(1, limit)
        self.window = window
        self.margin = margin
    }

    /// The earliest time a send may happen, reserving it.
    public mutating func reserve(now: Double) -> Double {
        prune(now: now)
        var slot = max(now, slots.last ?? now)
        if slots.count >= limit {
            // The limit-th send from the end must have left the window before this one enters it.
            slot = max(slot, slots[slots.count - limit] + window + margin)
        }
        slots.append(slot)
        return slot
    }

    /// The earliest time a send could happen, without reserving.
    public func nextSlot(now: Double) -> Double {
        var copy = self
        return copy.reserve(now: now)
    }

    /// Gives back a reservation that was not used (its caller gave up before its slot).
    public mutating func release(_ slot: Double) {
        if let index = slots.lastIndex(of: slot) { slots.remove(at: index) }
    }

    /// Learns from HighLevel's `X-RateLimit-Remaining`: if HighLevel counts more sends in this window than we made
    /// (another tool shares the app's budget), the difference is recorded as sends made now.
    public mutating func observe(remaining: Int, now: Double) {
        prune(now: now)
        let sentInWindow = slots.lazy.filter { $0 <= now }.count
        let unaccounted = limit - sentInWindow - max(0, remaining)
        guard unaccounted > 0 else { return }
        let index = slots.firstIndex { $0 > now } ?? slots.count
        slots.insert(contentsOf: repeatElement(now, count: unaccounted), at: index)
    }

    /// Sends left in the window ending now (reservations in the future count as spent).
    public func remaining(now: Double) -> Int {
        max(0, limit - slots.lazy.filter { $0 > now - self.window }.count)
    }

    private mutating func prune(now: Double) {
        let horizon = now - window - margin
        if let keep = slots.firstIndex(where: { $0 > horizon }) {
            if keep > 0 { slots.removeFirst(keep) }
        } else {
            slots.removeAll(keepingCapacity: true)
        }
    }
}
