import ArgumentParser
import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import HighLevelSandbox
import Hummingbird
import Logging
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the gateway.")

    @Option(help: "HOST:PORT to listen on (GATEWAY_LISTEN; default 127.0.0.1:8080).") var listen: String?
    @Option(help: "sqlite:PATH (GATEWAY_DATABASE).") var database: String?
    @Option(name: .customLong("upstream-url"), help: "HighLevel's API (GATEWAY_UPSTREAM_URL).") var upstreamURL: String?
    @Option(name: .customLong("authorize-url"), help: "HighLevel's consent page (GATEWAY_AUTHORIZE_URL).") var authorizeURL: String?
    @Option(name: .customLong("token-url"), help: "HighLevel's token endpoint (GATEWAY_TOKEN_URL).") var tokenURL: String?
    @Option(name: .customLong("client-id"), help: "OAuth client id (GATEWAY_CLIENT_ID).") var clientId: String?
    @Option(name: .customLong("client-secret"), help: "OAuth client secret (GATEWAY_CLIENT_SECRET).") var clientSecret: String?
    @Option(name: .customLong("redirect-url"), help: "OAuth redirect URL (GATEWAY_REDIRECT_URL).") var redirectURL: String?
    @Option(help: "OAuth scopes (GATEWAY_SCOPES).") var scopes: String?
    @Option(name: .customLong("upstream-limit"), help: "Per-location upstream limit (GATEWAY_UPSTREAM_LIMIT).") var upstreamLimit: String?
    @Option(name: .customLong("upstream-timeout"), help: "Most time a request may spend upstream (GATEWAY_UPSTREAM_TIMEOUT).") var upstreamTimeout: String?
    @Option(name: .customLong("key-rate"), help: "Rate of keys that set none, e.g. 20/s (GATEWAY_KEY_RATE).") var keyRate: String?
    @Option(name: .customLong("key-burst"), help: "Burst of keys that set none (GATEWAY_KEY_BURST; default 40).") var keyBurst: String?
    @Option(name: .customLong("auth-failure-limit"), help: "Failed authentications per client address, e.g. 30/min, or off (GATEWAY_AUTH_FAILURE_LIMIT).") var authFailureLimit: String?
    @Option(name: .customLong("audit-durability"), help: "commit or async (GATEWAY_AUDIT_DURABILITY).") var auditDurability: String?
    @Option(name: .customLong("idle-timeout"), help: "Close a kept-alive connection idle this long (GATEWAY_IDLE_TIMEOUT; default 75s).") var idleTimeout: String?
    @Option(name: .customLong("header-timeout"), help: "Most time a request's head may take (GATEWAY_HEADER_TIMEOUT; default 10s).") var headerTimeout: String?
    @Option(name: .customLong("body-timeout"), help: "Most time a request's whole body may take (GATEWAY_BODY_TIMEOUT; default 30s).") var bodyTimeout: String?
    @Option(name: .customLong("max-connections"), help: "Most connections open at once (GATEWAY_MAX_CONNECTIONS; default 1024).") var maxConnections: String?
    @Option(name: .customLong("audit-checkpoint-interval"), help: "How often to sign the audit trail, e.g. 1m (GATEWAY_AUDIT_CHECKPOINT_INTERVAL).") var auditCheckpointInterval: String?
    @Option(help: "This gateway's name in signed checkpoints (GATEWAY_NODE; default the host name).") var node: String?
    @Flag(help: "Run the HighLevel sandbox in-process as the upstream, with loc-sandbox connected.") var sandbox = false
    @Option(name: .customLong("sandbox-token-lifetime"), help: "With --sandbox: access-token lifetime, e.g. 1h.") var sandboxTokenLifetime: String?

    func run() async throws {
        try await reportingFailures {
            try GatewayLogging.bootstrap(environment: ProcessInfo.processInfo.environment)
            var configuration = try GatewayConfiguration(environment: ProcessInfo.processInfo.environment)
            if let listen { try configuration.setListen(listen) }
            if let database { configuration.database = database }
            if let upstreamURL { configuration.upstreamURL = upstreamURL }
            if let authorizeURL { configuration.authorizeURL = authorizeURL }
            if let tokenURL { configuration.tokenURL = tokenURL }
            if let clientId { configuration.clientId = clientId }
            if let clientSecret { configuration.clientSecret = clientSecret }
            if let redirectURL { configuration.redirectURL = redirectURL }
            if let scopes { configuration.scopes = scopes }
            if let upstreamLimit { try configuration.setUpstreamLimit(upstreamLimit) }
            if let upstreamTimeout { try configuration.setUpstreamTimeout(upstreamTimeout) }
            if let keyRate { try configuration.setKeyRate(keyRate) }
            if let keyBurst { try configuration.setKeyBurst(keyBurst) }
            if let auditDurability { try configuration.setAuditDurability(auditDurability) }
            if let authFailureLimit { try configuration.setAuthFailureLimit(authFailureLimit) }
            if let idleTimeout { try configuration.setIdleTimeout(idleTimeout) }
            if let headerTimeout { try configuration.setHeaderTimeout(headerTimeout) }
            if let bodyTimeout { try configuration.setBodyTimeout(bodyTimeout) }
            if let maxConnections { try configuration.setMaxConnections(maxConnections) }
            if let auditCheckpointInterval { try configuration.setAuditCheckpointInterval(auditCheckpointInterval) }
            if let node { try configuration.setNode(node) }
            configuration.sandbox = sandbox
            if let sandboxTokenLifetime {
                guard let lifetime = DurationText.duration(sandboxTokenLifetime), lifetime >= .seconds(1) else {
                    throw GatewayConfiguration.Invalid("--sandbox-token-lifetime must be a duration of at least 1s")
                }
                configuration.sandboxTokenLifetime = lifetime
            }
            try await GatewayServer(configuration: configuration).run()
        }
    }
}
