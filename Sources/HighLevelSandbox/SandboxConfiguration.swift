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

    public init() {}
}
