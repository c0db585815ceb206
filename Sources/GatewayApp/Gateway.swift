import Foundation
import GatewayCore
import GatewaySQLite
import Logging

/// Everything a running gateway is made of, wired once. Tests build one over a temporary SQLite file and the sandbox.
public struct Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let store: SQLiteStore
    public let keys: KeyDirectory
    public let keyUsage: KeyUsageRecorder
    public let keyLimits: KeyRateLimiter
    public let keyFormat: KeyFormat
    public let tokens: TokenBroker
    public let upstream: any UpstreamClient
    /// The upstream as the proxy uses it: shaped, retried, behind a circuit breaker per location.
    public let upstreamCaller: UpstreamCaller
    public let routes: RouteTable
    public let connections: ConnectionAdministration
    public let audit: any AuditSink
    /// Failed authentications per client address; `nil` when the limit is off.
    public let failedAuthentications: FailedAuthenticationGuard?
    public let checkpointSigner: AuditCheckpointSigner
    public let clock: any WallClock
    public let logger: Logger

    public init(
        configuration: GatewayConfiguration, storage: GatewayStorage, upstream: any UpstreamClient,
        audit: (any AuditSink)? = nil, clock: any WallClock = SystemWallClock(),
        lifecycle: TokenLifecycle = .init(), hooks: TokenBroker.Hooks = .init(),
        logger: Logger = Logger(label: "contacts-gateway")
    ) {
        // Every exchange with HighLevel is timed and counted for `/metrics`.
        let measured = MeasuredUpstreamClient(base: upstream, tokenURL: configuration.oauthSettings().tokenURL)
        let endpoint = MeasuredTokenEndpoint(
            base: OAuthTokenEndpoint(settings: configuration.oauthSettings(), client: measured))
        self.configuration = configuration
        self.store = storage.store
        self.keyFormat = storage.keyFormat
        self.keyUsage = KeyUsageRecorder(repository: storage.store)
        self.keys = KeyDirectory(keys: storage.store, roles: storage.store, format: storage.keyFormat, clock: clock, usage: keyUsage)
        self.keyLimits = KeyRateLimiter(
            defaultRate: configuration.keyRate, defaultBurst: configuration.keyBurst, clock: clock)
        self.tokens = TokenBroker(
            repository: storage.store, endpoint: endpoint, clock: clock, lifecycle: lifecycle, hooks: hooks,
            logger: logger)
        self.upstream = measured
        self.upstreamCaller = UpstreamCaller(
            client: measured,
            settings: .init(
                limit: configuration.upstreamLimit == "off" ? nil : Rate(configuration.upstreamLimit),
                dailyLimit: configuration.upstreamLimit == "off" ? nil : 200_000))
        self.routes = .contacts
        self.connections = ConnectionAdministration(
            connections: storage.store, states: storage.store, settings: configuration.oauthSettings(),
            endpoint: endpoint, clock: clock)
        self.audit = audit ?? AuditTrail(
            ledger: storage.store, durability: AuditTrail.Durability(rawValue: configuration.auditDurability) ?? .commit,
            logger: logger)
        self.failedAuthentications = configuration.authFailureLimit.map { FailedAuthenticationGuard(rate: $0, clock: clock) }
        self.checkpointSigner = storage.checkpointSigner
        self.clock = clock
        self.logger = logger
    }
}
