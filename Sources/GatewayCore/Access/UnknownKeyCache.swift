import Foundation

/// Decides whether a key id that the in-memory directory does not hold is looked up in the store.
///
/// A key made a moment ago by another process is found by one lookup, so it works at once. Ids found missing are
/// remembered for `ttl`, at most `capacity` of them (the oldest forgotten first), and lookups of ids not remembered
/// are limited to `lookupsPerSecond` (bursts of as many): a flood of made-up ids, each different, costs the store at
/// most that many reads a second; beyond it they are refused as unknown without a read.
public struct UnknownKeyCache: Sendable {
    public enum Decision: Sendable, Equatable {
        /// Not known to be missing, and the budget allows a read.
        case lookUp
        /// Found missing less than `ttl` ago.
        case knownMissing
        /// Not remembered, but the lookup budget is spent: treat as unknown.
        case overBudget
    }

    public let capacity: Int
    public let ttl: TimeInterval
    public let lookupsPerSecond: Double
    /// Each id's expiry, and the number of its newest place in `order`.
    private var missing: [String: (until: Date, place: Int)] = [:]
    /// Ids in the order they were remembered: with one `ttl` for all, also the order in which they expire. An id
    /// remembered again keeps its older place, which no longer counts (its number is not the one in `missing`).
    private var order: [(id: String, place: Int)] = []
    private var orderStart = 0
    private var places = 0
    private var tokens: Double
    private var tokensAt: Date?

    public init(capacity: Int = 10_000, ttl: TimeInterval = 2, lookupsPerSecond: Double = 50) {
        precondition(capacity > 0 && ttl > 0 && lookupsPerSecond > 0)
        self.capacity = capacity
        self.ttl = ttl
        self.lookupsPerSecond = lookupsPerSecond
        self.tokens = lookupsPerSecond
    }

    /// How many ids are remembered as missing now (for tests and metrics).
    public var count: Int { missing.count }

    /// Whether to read the store for `id`; a `.lookUp` spends one unit of the budget.
    public mutating func decide(_ id: String, now: Date) -> Decision {
        expire(now: now)
        if missing[id] != nil { return .knownMissing }
        refill(now: now)
        guard tokens >= 1 else { return .overBudget }
        tokens -= 1
        return .lookUp
    }

    /// The store had no key `id`.
    public mutating func rememberMissing(_ id: String, now: Date) {
        expire(now: now)
        places += 1
        missing[id] = (now.addingTimeInterval(ttl), places)
        order.append((id, places))
        while missing.count > capacity, let oldest = popOldest() { missing[oldest] = nil }
        compact()
    }

    /// `id` may exist now (a change was reported for it).
    public mutating func forget(_ id: String) {
        missing[id] = nil
    }

    public mutating func forgetAll() {
        missing = [:]
        order = []
        orderStart = 0
    }

    private mutating func expire(now: Date) {
        while orderStart < order.count {
            let entry = order[orderStart]
            if let current = missing[entry.id], current.place == entry.place {
                guard current.until <= now else { break }
                missing[entry.id] = nil
            }
            orderStart += 1
        }
        compact()
    }

    private mutating func popOldest() -> String? {
        while orderStart < order.count {
            let entry = order[orderStart]
            orderStart += 1
            if let current = missing[entry.id], current.place == entry.place { return entry.id }
        }
        return nil
    }

    private mutating func compact() {
        if orderStart > 1024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    private mutating func refill(now: Date) {
        if let tokensAt {
            tokens = min(lookupsPerSecond, tokens + max(0, now.timeIntervalSince(tokensAt)) * lookupsPerSecond)
        }
        tokensAt = now
    }
}
