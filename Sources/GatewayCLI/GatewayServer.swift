import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import HighLevelSandbox
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// Starts the gateway (and, with `--sandbox`, the sandbox first), and stops both on SIGTERM or SIGINT.
struct GatewayServer {
    var configuration: GatewayConfiguration

    func run() async throws {
        let logger = Logger(label: "contacts-gateway")
        let curl = try CurlHTTPClient()
        defer { curl.shutdown() }
        let upstream = CurlUpstreamClient(client: curl)

        var configuration = configuration
        var sandboxGroup: ServiceGroup?
        var sandboxTask: Task<Void, any Error>?
        if configuration.sandbox {
            var sandboxConfiguration = SandboxConfiguration()
            sandboxConfiguration.tokenLifetime = configuration.sandboxTokenLifetime
            let sandbox = HighLevelSandbox(configuration: sandboxConfiguration)
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = sandbox.makeApplication(host: "127.0.0.1", port: 0) { port in continuation.yield(port) }
            let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
            sandboxGroup = group
            sandboxTask = Task { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw GatewayError.internalError("the sandbox did not start") }
            let base = "http://127.0.0.1:\(port)"
            configuration.upstreamURL = base
            configuration.tokenURL = nil
            configuration.authorizeURL = base + "/v2/oauth/chooselocation"
            configuration.clientId = sandboxConfiguration.clientId
            configuration.clientSecret = sandboxConfiguration.clientSecret
        }

        let storage = try GatewayStorage.open(configuration)
        let gateway = Gateway(
            configuration: configuration, storage: storage, upstream: upstream, hooks: Self.faultHooks(), logger: logger)

        if configuration.sandbox {
            _ = try await SandboxBootstrap.connect(gateway)
            if let key = try await SandboxBootstrap.ensureAdminKey(gateway) {
                let address = "http://\(configuration.listenDescription)"
                Output.line("""
                    An admin key was created for this database. It is shown only now:

                        \(key.key)

                    Try it:

                        curl -s -H 'Authorization: Bearer \(key.key)' \(address)/contacts/search \\
                             -H 'Content-Type: application/json' -d '{"locationId":"loc-sandbox","pageLimit":5}'
                        curl -s -H 'Authorization: Bearer \(key.key)' '\(address)/contacts/?locationId=loc-sandbox'

                    """)
            } else {
                Output.line(
                    "This database already has an admin key (its secret was shown when it was made). Another: "
                        + "contacts-gateway keys create --database \(configuration.database) --role admin --name <you>")
            }
        }

        logger.info("audit checkpoints are signed", metadata: [
            "node": "\(configuration.node)", "verifierKey": "\(gateway.checkpointSigner.publicKey.verifierKey)",
            "interval": "\(configuration.auditCheckpointInterval)",
        ])

        let host = configuration.listenHost
        let note = configuration.sandbox ? " (upstream: the in-process HighLevel sandbox)" : ""
        let app = gateway.makeApplication(host: host, port: configuration.listenPort) { port in
            Output.line("contacts-gateway listening on \(host):\(port)\(note)")
            logger.info("listening", metadata: ["host": "\(host)", "port": "\(port)"])
        }
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped accepting; the requests in flight are answered")
        // In `async` durability, what is still queued is written before the process ends. (The checkpoint service
        // has flushed already, to sign the final checkpoint; this is for anything recorded since.)
        await gateway.audit.flush()
        logger.info("audit trail flushed; exiting")
        await sandboxGroup?.triggerGracefulShutdown()
        _ = try? await sandboxTask?.value
    }

    /// `GATEWAY_TEST_CRASH_AFTER_REFRESH=1` kills the process right after a refreshed token pair is committed:
    /// the crash-safety test uses it. Nothing else does.
    static func faultHooks() -> TokenBroker.Hooks {
        guard ProcessInfo.processInfo.environment["GATEWAY_TEST_CRASH_AFTER_REFRESH"] == "1" else { return .init() }
        return .init(afterRefreshCommitted: { _ in kill(getpid(), SIGKILL) })
    }
}
