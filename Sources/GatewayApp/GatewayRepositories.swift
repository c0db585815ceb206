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
    public var health: any StoreHealth

    public init(
        keys: any KeyRepository, roles: any RoleRepository, connections: any ConnectionRepository,
        authorizationStates: any AuthorizationStateRepository, audit: any AuditRepository,
        consoleSessions: any ConsoleSessionRepository, health: any StoreHealth
    ) {
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
            & AuditRepository & ConsoleSessionRepository & StoreHealth
    ) {
        self.init(
            keys: store, roles: store, connections: store, authorizationStates: store, audit: store,
            consoleSessions: store, health: store)
    }
}
