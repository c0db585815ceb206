import CurlHTTP
import Foundation
import GatewayCore
import GatewaySettings
import HighLevelSandbox
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// `serve`: the sandbox first when the settings ask for it, then the store, libcurl and the application
/// (`buildApplication`), until SIGTERM or SIGINT; then the requests in flight are answered and the trail written.
public enum GatewayProcess {
    /// - Parameter say: where lines for the person who started it go (stdout: scripts wait for "listening on").
    public static func run(_ settings: GatewaySettings, say: @escaping @Sendable (String) -> Void) async throws {
        let logger = Logger(label: "contacts-gateway")
        let curl = try CurlHTTPClient()
        defer { curl.shutdown() }

        var settings = settings
        let sandbox = try await settings.sandbox ? SandboxUpstream.start(&settings, logger: logger) : nil
        let storage = try GatewayStorage.open(settings, creating: true, logger: logger)
        let gateway = Gateway(
            settings: settings, storage: storage, upstream: CurlUpstreamClient(client: curl), logger: logger)
        if sandbox != nil { try await SandboxBootstrap.introduce(gateway, say: say) }
        logger.info("audit checkpoints are signed", metadata: [
            "node": "\(gateway.node)", "verifierKey": "\(storage.checkpointSigner.publicKey.verifierKey)",
            "interval": "\(settings.auditCheckpointInterval)",
        ])

        let host = settings.listen.host
        let upstream = sandbox != nil ? " (upstream: the in-process HighLevel sandbox)" : ""
        let app = gateway.buildApplication { port in
            say("contacts-gateway listening on \(host):\(port)\(upstream)")
            logger.info("listening", metadata: ["host": "\(host)", "port": "\(port)", "store": "\(storage.location)"])
        }
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped accepting; the requests in flight are answered")
        // In `async` durability, what is still queued is written before the process ends. (The checkpoint service
        // has flushed already, to sign the final checkpoint; this is for anything recorded since.)
        await gateway.audit.flush()
        logger.info("audit trail flushed; exiting")
        await sandbox?.stop()
    }
}

/// The HighLevel sandbox as `serve --sandbox` runs it: in-process, on a free loopback port, before the gateway.
struct SandboxUpstream: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Starts the sandbox and points `settings` at it (API, consent page, token endpoint, OAuth client).
    static func start(_ settings: inout GatewaySettings, logger: Logger) async throws -> SandboxUpstream {
        var configuration = SandboxConfiguration()
        configuration.tokenLifetime = settings.sandboxTokenLifetime
        let sandbox = HighLevelSandbox(configuration: configuration)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = sandbox.makeApplication(host: "127.0.0.1", port: 0) { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw GatewayError.internalError("the sandbox did not start") }
        let base = "http://127.0.0.1:\(port)"
        settings.upstreamURL = URL(string: base)!
        settings.tokenURL = nil
        settings.authorizeURL = URL(string: base + "/v2/oauth/chooselocation")!
        settings.clientId = configuration.clientId
        settings.clientSecret = configuration.clientSecret
        return SandboxUpstream(group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
