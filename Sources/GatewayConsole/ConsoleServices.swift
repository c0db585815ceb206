import GatewayCore

/// The parts of a gateway the console works through: the same core services as the CLI and the admin API, so every
/// change made here meets the same rules (the privilege-escalation rule of ``AdministrativeActor`` included).
public struct ConsoleServices: Sendable {
    public var sessions: ConsoleSessions
    public var keys: KeyAdministration
    public var roles: RoleAdministration
    public var connections: ConnectionAdministration
    public var webhooks: WebhookAdministration
    /// Drops the key view after a change, so a revoked key (and its sessions) stops at once in this process.
    public var directory: KeyDirectory
    public var audit: any AuditRepository
    public var checkpointKey: AuditCheckpointKey
    /// The upstream budget left for a location now; `nil` before its first call, or when shaping is off.
    public var upstreamBudget: @Sendable (String) -> Int?
    /// The budget per location (`GATEWAY_UPSTREAM_LIMIT`); `nil` when shaping is off.
    public var upstreamLimit: Rate?
    /// The location's circuit breaker; `nil` before its first call.
    public var upstreamBreaker: @Sendable (String) -> CircuitBreaker.State?
    /// Forgets a removed connection's cached tokens.
    public var forgetTokens: @Sendable (String) async -> Void
    public var clock: any WallClock
    /// The largest form body accepted.
    public var maxBody: Int

    public init(
        sessions: ConsoleSessions, keys: KeyAdministration, roles: RoleAdministration,
        connections: ConnectionAdministration, webhooks: WebhookAdministration, directory: KeyDirectory, audit: any AuditRepository,
        checkpointKey: AuditCheckpointKey, upstreamBudget: @escaping @Sendable (String) -> Int?, upstreamLimit: Rate?,
        upstreamBreaker: @escaping @Sendable (String) -> CircuitBreaker.State?,
        forgetTokens: @escaping @Sendable (String) async -> Void, clock: any WallClock, maxBody: Int
    ) {
        self.sessions = sessions
        self.keys = keys
        self.roles = roles
        self.connections = connections
        self.webhooks = webhooks
        self.directory = directory
        self.audit = audit
        self.checkpointKey = checkpointKey
        self.upstreamBudget = upstreamBudget
        self.upstreamLimit = upstreamLimit
        self.upstreamBreaker = upstreamBreaker
        self.forgetTokens = forgetTokens
        self.clock = clock
        self.maxBody = maxBody
    }
}
