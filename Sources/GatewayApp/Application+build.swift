import Foundation
import GatewayConsole
import GatewayCore
import GatewayOpenAPI
import GatewaySettings
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// The gateway's application, from its settings, its store (repositories behind protocols) and its upstream client:
/// what `serve` runs. `onServerRunning` gets the bound port (the listen port 0 picks a free one).
public func buildApplication(
    settings: GatewaySettings, storage: GatewayStorage, upstream: any UpstreamClient,
    clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "contacts-gateway"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Gateway(settings: settings, storage: storage, upstream: upstream, clock: clock, logger: logger)
        .buildApplication(onServerRunning: onServerRunning)
}

extension Gateway {
    /// The HTTP surface: the edge (request id, problem+json, audit record) and the proxy around everything, then the
    /// gateway's own routes, keyed ones behind ``AdminAuthenticator``.
    public func buildRouter() -> Router<GatewayContext> {
        let router = Router(context: GatewayContext.self)
        let gate = AuditGate(audit: audit)
        router.add(middleware: EdgeMiddleware(audit: audit, clock: clock, failedAuthentications: failedAuthentications))
        router.add(middleware: RateLimitHeadersMiddleware())
        router.add(middleware: ProxyMiddleware(proxy: ProxyHandler(
            routes: routes, directory: keyDirectory, keyLimits: keyLimits, tokens: tokens,
            upstreamCaller: upstreamCaller, gate: gate, upstreamBase: settings.upstreamBase,
            upstreamTimeout: settings.upstreamTimeout, maxBody: settings.maxBody)))

        let document = GatewayOpenAPI.make(routes: routes, own: GatewayRoute.all).jsonText
        HealthController(health: repositories.health, document: Data(document.utf8)).addRoutes(to: router)
        MetricsController(audit: audit, connections: connections, upstreamCaller: upstreamCaller).addRoutes(to: router)
        OAuthCallbackController(connections: connections, tokens: tokens, gate: gate).addRoutes(to: router)
        WebhookController(intake: webhookIntake, maxBody: settings.maxBody).addRoutes(to: router)

        let admin = router.group().add(middleware: AdminAuthenticator(directory: keyDirectory, limits: keyLimits))
        KeysController(administration: keyAdministration, directory: keyDirectory, maxBody: settings.maxBody)
            .addRoutes(to: admin)
        RolesController(administration: roleAdministration, directory: keyDirectory, maxBody: settings.maxBody)
            .addRoutes(to: admin)
        ConnectionsController(connections: connections, tokens: tokens, maxBody: settings.maxBody).addRoutes(to: admin)
        SubscriptionsController(administration: webhookAdministration, maxBody: settings.maxBody).addRoutes(to: admin)
        AuditController(audit: repositories.audit, key: storage.checkpointSigner.publicKey, clock: clock)
            .addRoutes(to: admin)
        ConsoleController<GatewayContext>(services: consoleServices).addRoutes(to: router)
        return router
    }

    /// What the web console works through: the same services as the admin API.
    var consoleServices: ConsoleServices {
        let upstreamCaller = upstreamCaller
        let tokens = tokens
        return ConsoleServices(
            sessions: consoleSessions, keys: keyAdministration, roles: roleAdministration, connections: connections,
            webhooks: webhookAdministration, directory: keyDirectory, audit: repositories.audit, checkpointKey: storage.checkpointSigner.publicKey,
            upstreamBudget: { upstreamCaller.remaining(locationId: $0) },
            upstreamLimit: settings.upstreamLimit, upstreamBreaker: { upstreamCaller.breaker(locationId: $0) },
            forgetTokens: { await tokens.forget($0) },
            clock: clock, maxBody: settings.maxBody)
    }

    /// The background work of a running gateway: last-used times, runs of failed authentications, signed audit
    /// checkpoints, and what the store itself needs.
    public var services: [any Service] {
        // First in the list, so it stops last: its final checkpoint covers what the others wrote as they stopped.
        var services: [any Service] = [
            AuditCheckpointService(
                audit: repositories.audit, trail: audit, signer: storage.checkpointSigner, node: node,
                interval: settings.auditCheckpointInterval, clock: clock, logger: logger),
            KeyUsageFlusher(usage: keyUsage, interval: settings.tuning.lastUsedFlushInterval, logger: logger),
            deliveryDispatcher,
        ]
        if let reconciliation { services.append(reconciliation) }
        if let failedAuthentications {
            services.append(FailedAuthenticationAuditor(
                failures: failedAuthentications, audit: audit,
                interval: settings.tuning.failedAuthenticationAuditInterval, logger: logger))
        }
        if let feed = storage.changeFeed {
            services.append(StoreChangeFollower(feed: feed, directory: keyDirectory, tokens: tokens))
        }
        return services + storage.services
    }

    /// The Hummingbird application on the listen address, with the gateway's connection limits and its services.
    public func buildApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let port = settings.listen.port
        return Application(
            router: buildRouter(),
            server: .gateway(
                idleTimeout: settings.idleTimeout, headerTimeout: settings.headerTimeout,
                bodyTimeout: settings.bodyTimeout, maxConnections: settings.maxConnections),
            configuration: .init(address: .hostname(settings.listen.host, port: port), serverName: "contacts-gateway"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
