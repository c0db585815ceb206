import Foundation
import GatewayCore
import GatewaySettings
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A gateway's parts, built once from its settings, its store (repositories behind protocols) and its upstream
/// client: the one composition root. `serve` and the tests build one, then the application (`buildApplication`);
/// each controller is handed only the parts it uses.
public struct Gateway: Sendable {
    public let settings: GatewaySettings
    public let storage: GatewayStorage
    /// Authenticates keys from memory.
    public let keyDirectory: KeyDirectory
    public let keyUsage: KeyUsageRecorder
    public let keyLimits: KeyRateLimiter
    public let keyAdministration: KeyAdministration
    public let roleAdministration: RoleAdministration
    public let connections: ConnectionAdministration
    /// The web console's sign-in sessions, resolved through ``keyDirectory``.
    public let consoleSessions: ConsoleSessions
    public let tokens: TokenBroker
    /// The upstream client, timed and counted for `/metrics`.
    public let upstream: any UpstreamClient
    /// The upstream as the proxy uses it: shaped, retried, behind a circuit breaker per location.
    public let upstreamCaller: UpstreamCaller
    public let routes: RouteTable
    public let audit: any AuditSink
    /// Failed authentications per client address; `nil` when the limit is off.
    public let failedAuthentications: FailedAuthenticationGuard?
    /// HighLevel's events in: checked, deduplicated and committed with their deliveries.
    public let webhookIntake: WebhookIntake
    public let webhookAdministration: WebhookAdministration
    /// Sends the outbox's deliveries to the subscriptions' receivers.
    public let deliveryDispatcher: DeliveryDispatcher
    /// Searches each location for changes HighLevel sent no event for; `nil` when `reconcile.interval` is off.
    public let reconciliation: ReconciliationService?
    /// This gateway's name in the checkpoints it signs.
    public let node: String
    public let clock: any WallClock
    public let logger: Logger

    public var repositories: GatewayRepositories { storage.repositories }

    public init(
        settings: GatewaySettings, storage: GatewayStorage, upstream: any UpstreamClient,
        clock: any WallClock = SystemWallClock(), lifecycle: TokenLifecycle = .init(),
        logger: Logger = Logger(label: "contacts-gateway")
    ) {
        let repositories = storage.repositories
        let oauth = settings.oauth
        let measured = MeasuredUpstreamClient(base: upstream, tokenURL: oauth.tokenURL)
        let endpoint = MeasuredTokenEndpoint(base: OAuthTokenEndpoint(settings: oauth, client: measured))
        self.settings = settings
        self.storage = storage
        self.keyUsage = KeyUsageRecorder(repository: repositories.keys)
        self.keyDirectory = KeyDirectory(
            keys: repositories.keys, roles: repositories.roles, format: storage.keyFormat, clock: clock, usage: keyUsage)
        self.keyLimits = KeyRateLimiter(
            defaultRate: settings.keyRate, defaultBurst: settings.keyBurst, clock: clock, ledger: storage.rateLedger,
            onLedgerFailure: { error in
                GatewayMetrics.rateLedgerFailure()
                logger.warning("the shared rate ledger cannot be asked; this gateway limits keys on its own meanwhile",
                               metadata: ["error": "\(error)"])
            })
        self.keyAdministration = KeyAdministration(
            keys: repositories.keys, roles: repositories.roles, format: storage.keyFormat, clock: clock)
        self.roleAdministration = RoleAdministration(repository: repositories.roles, clock: clock)
        self.consoleSessions = ConsoleSessions(
            repository: repositories.consoleSessions, directory: keyDirectory, clock: clock)
        self.tokens = TokenBroker(
            repository: repositories.connections, journal: repositories.refreshJournal, endpoint: endpoint,
            node: settings.resolvedNode, clock: clock, lifecycle: lifecycle,
            onAnswerLost: { _ in GatewayMetrics.refreshAnswerLost() }, logger: logger)
        self.upstream = measured
        self.upstreamCaller = UpstreamCaller(
            client: measured,
            settings: .init(
                limit: settings.upstreamLimit,
                dailyLimit: settings.upstreamLimit.map { _ in UpstreamCaller.Settings.highLevelDailyLimit }),
            ledger: storage.upstreamLedger,
            onLedgerFailure: { error in
                GatewayMetrics.rateLedgerFailure()
                logger.warning("the shared upstream window cannot be asked; this gateway keeps its own meanwhile",
                               metadata: ["error": "\(error)"])
            })
        self.routes = .contacts
        self.connections = ConnectionAdministration(
            connections: repositories.connections, states: repositories.authorizationStates, settings: oauth,
            endpoint: endpoint, tokenCheck: PrivateTokenCheck(client: measured, upstreamURL: settings.upstreamURL),
            clock: clock)
        self.audit = AuditTrail(
            ledger: repositories.audit, durability: settings.auditDurability, logger: logger,
            node: settings.resolvedNode)
        self.failedAuthentications = settings.authFailureLimit.map { FailedAuthenticationGuard(rate: $0, clock: clock) }
        let (tokens, caller, audit) = (self.tokens, self.upstreamCaller, self.audit)
        let ownCall = { (actor: String) in
            OwnUpstreamCall(
                actor: actor, tokens: tokens, caller: caller, audit: audit, upstreamBase: settings.upstreamBase,
                timeout: settings.upstreamTimeout, clock: clock)
        }
        let dispatcher = DeliveryDispatcher(
            repository: repositories.webhooks, client: upstream, schedule: settings.deliverySchedule,
            timeout: settings.deliveryTimeout, audit: audit, clock: clock, logger: logger,
            contacts: ownCall("(enrichment)"))
        self.deliveryDispatcher = dispatcher
        self.webhookIntake = WebhookIntake(
            repository: repositories.webhooks, keys: settings.webhookKeys, clock: clock,
            onAccepted: { dispatcher.wake() })
        self.webhookAdministration = WebhookAdministration(repository: repositories.webhooks, clock: clock)
        self.reconciliation = settings.reconcileInterval.map { interval in
            ReconciliationService(
                repository: repositories.webhooks, tokens: tokens, call: ownCall("(reconciliation)"),
                interval: interval, clock: clock, logger: logger, upstreamLimit: settings.upstreamLimit,
                onAccepted: { dispatcher.wake() })
        }
        self.node = settings.resolvedNode
        self.clock = clock
        self.logger = logger
    }

}

extension GatewaySettings {
    /// This gateway's name in the checkpoints it signs: `node`, else the host's name.
    public var resolvedNode: String { node ?? Self.hostName() }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "gateway" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let cleaned = String(name.prefix(253).map { AuditCheckpoint.isValidNode(String($0)) ? $0 : "-" })
        return cleaned.isEmpty ? "gateway" : cleaned
    }
}
