/// HighLevel's burst and daily limits, applied per location (per resource, as HighLevel documents).
public struct SandboxRateLimit: Sendable, Hashable {
    /// Requests allowed inside any sliding `interval`.
    public var max: Int
    public var interval: Duration
    /// Requests allowed per UTC day.
    public var daily: Int

    public init(max: Int, interval: Duration, daily: Int) {
        self.max = max
        self.interval = interval
        self.daily = daily
    }

    var intervalMilliseconds: Int {
        let parts = interval.components
        return Int(parts.seconds) * 1000 + Int(parts.attoseconds / 1_000_000_000_000_000)
    }
}
