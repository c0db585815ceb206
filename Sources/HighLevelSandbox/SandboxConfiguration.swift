/// How a ``HighLevelSandbox`` behaves. The defaults mirror HighLevel's documented values
/// (a day-long access token, 100 requests per 10 s and 200,000 per day per location).
public struct SandboxConfiguration: Sendable {
    /// The only OAuth client the sandbox knows.
    public var clientId: String = "sandbox-client-id"
    public var clientSecret: String = "sandbox-client-secret"
    /// Access token lifetime; `expires_in` reports it rounded down to whole seconds (at least 1).
    public var tokenLifetime: Duration = .seconds(86399)
    /// `nil` switches rate limiting (and the `X-RateLimit-*` headers) off.
    public var rateLimit: SandboxRateLimit? = .init(max: 100, interval: .seconds(10), daily: 200_000)
    /// Known, active locations. The first one is the default for the authorize page.
    public var locations: [String] = ["loc-sandbox"]
    public var companyId: String = "company-sandbox"
    /// A few sample contacts (with a task, a note and an appointment) per location.
    public var seedContacts: Bool = true
    /// Where HighLevel's webhook events for the changes made through the API are sent (signed with the sandbox's
    /// own Ed25519 key, ``HighLevelSandbox/webhookPublicKey``); `nil` sends none. Also settable on a running
    /// sandbox (``HighLevelSandbox/setWebhookURL(_:)``), for a receiver whose port is known only later.
    public var webhookURL: String? = nil
    /// The waits before each resend of an event answered 429, the one status HighLevel retries. HighLevel waits
    /// about 10 minutes, up to 6 times; a sandbox is for trials and tests, so it waits seconds.
    public var webhookRetryDelays: [Duration] = [.seconds(1), .seconds(5), .seconds(15)]
    /// How long one webhook POST may take before the event counts as lost.
    public var webhookTimeout: Duration = .seconds(10)

    public init() {}
}
