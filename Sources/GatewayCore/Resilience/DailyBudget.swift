/// HighLevel's 200,000 requests per day per location, counted in one-minute buckets over the last 24 hours: coarse,
/// but never generous, since a send is counted in its minute for a whole day after that minute began.
public struct DailyBudget: Sendable, Equatable {
    public let limit: Int
    static let bucketSeconds = 60.0
    static let bucketCount = 1440
    private var counts: [Int] = Array(repeating: 0, count: DailyBudget.bucketCount)
    private var bucketStarts: [Double] = Array(repeating: -.infinity, count: DailyBudget.bucketCount)

    public init(limit: Int = 200_000) { self.limit = limit }

    /// Records a send at `now` if the day's budget allows; else the time when the oldest minute leaves the day.
    public mutating func take(now: Double) -> Double? {
        let total = used(now: now)
        if total >= limit {
            let horizon = now - 86_400
            let oldest = bucketStarts.filter { $0 > horizon }.min() ?? now
            return oldest + 86_400 + Self.bucketSeconds
        }
        add(1, at: now)
        return nil
    }

    /// Learns from `X-RateLimit-Daily-Remaining`: sends HighLevel counted that we did not are added now.
    public mutating func observe(remaining: Int, now: Double) {
        let unaccounted = limit - used(now: now) - max(0, remaining)
        if unaccounted > 0 { add(unaccounted, at: now) }
    }

    public func used(now: Double) -> Int {
        let horizon = now - 86_400
        var total = 0
        for index in 0..<Self.bucketCount where bucketStarts[index] > horizon { total += counts[index] }
        return total
    }

    private mutating func add(_ count: Int, at now: Double) {
        let minute = (now / Self.bucketSeconds).rounded(.down)
        let index = Int(minute.truncatingRemainder(dividingBy: Double(Self.bucketCount)))
        let start = minute * Self.bucketSeconds
        if bucketStarts[index] != start {
            bucketStarts[index] = start
            counts[index] = 0
        }
        counts[index] += count
    }
}
