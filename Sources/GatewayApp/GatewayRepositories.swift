import GatewayCore

/// The repositories a gateway works through, each a protocol: SQLite (the embedded default), PostgreSQL (several
/// gateways on one database) and the in-memory store all pass the same conformance suite.
public struct GatewayRepositories: Sendable {
    public var keys: any KeyRepository
    public var roles: any RoleRepository
    public var connections: any ConnectionRepository
    public var authorizationStates: any AuthorizationStateRepository
    public var audit: any AuditRepository
    public var consoleSessions: any ConsoleSessionRepository
    /// Refresh claims and their journal: one token call per expiry across every gateway on the store.
    public var refreshJournal: any RefreshJournal
    /// Webhook subscriptions, the events taken and the delivery outbox.
    public var webhooks: any WebhookRepository
    public var health: any StoreHealth
    /// Everything read out and written into an empty store as it was: `store copy`.
    public var copying: any StoreCopying

    public init(
        keys: any KeyRepository, roles: any RoleRepository, connections: any ConnectionRepository,
        authorizationStates: any AuthorizationStateRepository, audit: any AuditRepository,
        consoleSessions: any ConsoleSessionRepository, refreshJournal: any RefreshJournal,
        webhooks: any WebhookRepository, health: any StoreHealth, copying: any StoreCopying
    ) {
        self.copying = copying
        self.refreshJournal = refreshJournal
        self.webhooks = webhooks
        self.keys = keys
        self.roles = roles
        self.connections = connections
        self.authorizationStates = authorizationStates
        self.audit = audit
        self.consoleSessions = consoleSessions
        self.health = health
    }

    /// Every repository from one store.
    public init(
        store: some KeyRepository & RoleRepository & ConnectionRepository & AuthorizationStateRepository
            & AuditRepository & ConsoleSessionRepository & RefreshJournal & WebhookRepository & StoreHealth
            & StoreCopying
    ) {
        self.init(
            keys: store, roles: store, connections: store, authorizationStates: store, audit: store,
            consoleSessions: store, refreshJournal: store, webhooks: store, health: store,
            copying: store)
    }
}
