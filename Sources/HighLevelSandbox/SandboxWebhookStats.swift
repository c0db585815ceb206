/// What became of the webhook events the sandbox made, for tests that wait for a delivery or count retries.
public struct SandboxWebhookStats: Sendable, Codable, Hashable {
    /// Events queued to be sent (each counts once, however many times it is sent).
    public var queued: Int = 0
    /// Events the receiver answered with a 2xx.
    public var delivered: Int = 0
    /// Resends after a 429 (HighLevel's one retried status).
    public var retried: Int = 0
    /// Events lost as HighLevel loses them: any answer but 2xx (a 429 once the resends are spent), or none.
    public var undelivered: Int = 0
    /// Events not queued because the queue was full.
    public var dropped: Int = 0

    public init(queued: Int = 0, delivered: Int = 0, retried: Int = 0, undelivered: Int = 0, dropped: Int = 0) {
        self.queued = queued
        self.delivered = delivered
        self.retried = retried
        self.undelivered = undelivered
        self.dropped = dropped
    }
}
