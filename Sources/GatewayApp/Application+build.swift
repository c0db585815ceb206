import GatewayCore
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

extension Gateway {
    /// The gateway's HTTP surface: edge (request id, problem+json, audit), proxy, then its own routes.
    public func makeRouter() -> Router<GatewayContext> {
        let router = Router(context: GatewayContext.self)
        router.add(middleware: EdgeMiddleware(audit: audit, clock: clock, failedAuthentications: failedAuthentications))
        router.add(middleware: RateLimitHeadersMiddleware())
        router.add(middleware: ProxyMiddleware(proxy: ProxyHandler(gateway: self)))
        let access = AdminAccess(keys: keys, limits: keyLimits)
        HealthController(gateway: self).addRoutes(to: router)
        MetricsController(gateway: self).addRoutes(to: router)
        ConnectionsController(gateway: self, access: access).addRoutes(to: router)
        KeysController(gateway: self, access: access).addRoutes(to: router)
        RolesController(gateway: self, access: access).addRoutes(to: router)
        AuditController(gateway: self, access: access).addRoutes(to: router)
        return router
    }

    /// A Hummingbird application on `host:port` (port 0 picks a free one; `onServerRunning` gets the bound port).
    public func makeApplication(
        host: String, port: Int, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var services: [any Service] = [
            KeyUsageFlusher(usage: keyUsage, interval: configuration.lastUsedFlushInterval, logger: logger),
            WALCheckpointService(store: store, interval: configuration.walCheckpointInterval, logger: logger),
        ]
        if let failedAuthentications {
            services.append(FailedAuthenticationAuditor(
                failures: failedAuthentications, audit: audit,
                interval: configuration.failedAuthenticationAuditInterval, logger: logger))
        }
        // Services shut down in reverse order, after the server (the application appends its own after these):
        // first here, this one shuts down last, so its final checkpoint comes after the server has answered its
        // requests and the other services have recorded what they hold (the failed authentications' last runs).
        services.insert(AuditCheckpointService(gateway: self), at: 0)
        return Application(
            router: makeRouter(),
            server: .gateway(
                idleTimeout: configuration.idleTimeout, headerTimeout: configuration.headerTimeout,
                bodyTimeout: configuration.bodyTimeout, maxConnections: configuration.maxConnections),
            configuration: .init(address: .hostname(host, port: port), serverName: "contacts-gateway"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
