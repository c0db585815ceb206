/// At most `limit` requests in any window of `window` seconds as HighLevel counts them, whatever the window's
/// alignment: HighLevel does not say whether its 100-per-10-s window is fixed or sliding.
///
/// HighLevel counts a request when it arrives, which the gateway cannot see: it lies somewhere between the moment the
/// gateway sent it and the moment the answer came back, and on a loaded machine that can be seconds. So each request
/// is held as that interval: a request in flight may still arrive at any time, and a finished one may have arrived as
/// late as its answer. A new request may go only when fewer than `limit` requests could fall in a window with it,
/// that is, when fewer than `limit` are in flight or finished less than `window` (plus a margin) ago.
///
/// Callers wait in ticket order, so a queue drains in arrival order without a herd. Times are seconds on any monotonic
/// scale; the value is pure and is tested with numbers.
public struct SlidingWindowBudget: Sendable, Equatable {
    public enum Acquisition: Sendable, Equatable {
        /// Send now; report the end with `finish(_:at:)`.
        case granted(UInt64)
        /// Not yet: try again at this time, or (nil) when a request in flight finishes.
        case wait(until: Double?)
    }

    struct Entry: Sendable, Equatable {
        var id: UInt64
        var end: Double?
    }

    public let limit: Int
    public let window: Double
    /// Added to every window: clock granularity and HighLevel's own rounding.
    public let margin: Double
    private(set) var entries: [Entry] = []
    private var waiting: [UInt64] = []
    private var nextID: UInt64 = 1

    public init(limit: Int, window: Double, margin: Double = 0.1) {
        self.limit = max(1, limit)
        self.window = window
        self.margin = margin
    }

    /// A place in the queue, to pass to `acquire`.
    public mutating func ticket() -> UInt64 {
        defer { nextID += 1 }
        waiting.append(nextID)
        return nextID
    }

    /// Grants the ticket at the head of the queue when the budget allows.
    public mutating func acquire(_ ticket: UInt64, now: Double) -> Acquisition {
        prune(now: now)
        // Behind another caller: wait for the head to be served.
        guard waiting.first == ticket else { return .wait(until: nil) }
        if entries.count < limit {
            waiting.removeFirst()
            entries.append(Entry(id: ticket, end: nil))
            return .granted(ticket)
        }
        // The budget frees as finished requests age out; requests still in flight give no time yet.
        let needed = entries.count - limit + 1
        let ends = entries.compactMap(\.end).sorted()
        guard ends.count >= needed else { return .wait(until: nil) }
        return .wait(until: ends[needed - 1] + window + margin)
    }

    /// The caller gave up waiting.
    public mutating func abandon(_ ticket: UInt64) {
        waiting.removeAll { $0 == ticket }
    }

    /// The request's answer (or failure) came back at `time`: from here it ages out.
    public mutating func finish(_ id: UInt64, at time: Double) {
        if let index = entries.firstIndex(where: { $0.id == id }) { entries[index].end = time }
    }

    /// Learns from HighLevel's `X-RateLimit-Remaining`: if HighLevel counts more requests in its window than the
    /// gateway holds (another tool shares the app's budget), the difference is held as requests that ended now.
    public mutating func observe(remaining: Int, now: Double) {
        prune(now: now)
        let unaccounted = limit - entries.count - max(0, remaining)
        guard unaccounted > 0 else { return }
        for _ in 0..<unaccounted {
            entries.append(Entry(id: nextID, end: now))
            nextID += 1
        }
    }

    /// Requests left before the budget is full (in flight and recent ones count as spent).
    public func remaining(now: Double) -> Int {
        max(0, limit - entries.filter { $0.end.map { $0 + window + margin > now } ?? true }.count)
    }

    private mutating func prune(now: Double) {
        entries.removeAll { entry in entry.end.map { $0 + window + margin <= now } ?? false }
    }
}
