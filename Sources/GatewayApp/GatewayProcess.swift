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
        let storage = try await GatewayStorage.open(settings, creating: true, serving: true, logger: logger)
        if storage.created { say("Created a new database at \(storage.location) (its key file beside it).") }
        let gateway = Gateway(
            settings: settings, storage: storage, upstream: CurlUpstreamClient(client: curl), logger: logger)
        logger.info("audit checkpoints are signed", metadata: [
            "node": "\(gateway.node)", "verifierKey": "\(storage.checkpointSigner.publicKey.verifierKey)",
            "interval": "\(settings.auditCheckpointInterval)",
        ])

        let host = settings.listen.host
        let listen = settings.listen
        let upstream = sandbox != nil ? " (upstream: the in-process HighLevel sandbox)" : ""
        // The sandbox's location and first admin key are made only once the port is bound: a `serve` that cannot
        // listen must not print a key (or connect anything) and then fail.
        let started = StartFailure()
        let app = gateway.buildApplication { port in
            if let sandbox {
                // Only now that the port is bound: before, the events would find nothing listening.
                if let url = sandbox.sendEvents(toGatewayAt: listen, port: port) {
                    say("The sandbox sends HighLevel's webhook events for the changes made through it to \(url).")
                }
                do {
                    try await SandboxBootstrap.introduce(gateway, port: port, say: say)
                } catch {
                    await started.fail(error)
                    return
                }
            }
            say("contacts-gateway listening on \(host):\(port)\(upstream)")
            logger.info("listening", metadata: ["host": "\(host)", "port": "\(port)", "store": "\(storage.location)"])
        }
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        await started.stopping(group)
        try await group.run()
        if let failure = await started.failure {
            await sandbox?.stop()
            throw failure
        }
        logger.info("stopped accepting; the requests in flight are answered")
        // In `async` durability, what is still queued is written before the process ends. (The checkpoint service
        // has flushed already, to sign the final checkpoint; this is for anything recorded since.)
        await gateway.audit.flush()
        logger.info("audit trail flushed; exiting")
        await storage.close()
        await sandbox?.stop()
    }
}

/// A start that failed after the port was bound (the sandbox's introduction): it stops the group, and `run` throws it.
private actor StartFailure {
    private(set) var failure: (any Error)?
    private var group: ServiceGroup?

    func stopping(_ group: ServiceGroup) async {
        self.group = group
        if failure != nil { await group.triggerGracefulShutdown() }
    }

    func fail(_ error: any Error) async {
        failure = error
        await group?.triggerGracefulShutdown()
    }
}

/// The HighLevel sandbox as `serve --sandbox` runs it: in-process, on a free loopback port, before the gateway.
struct SandboxUpstream: Sendable {
    let sandbox: HighLevelSandbox
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    /// Whether the gateway verifies webhooks with the sandbox's key: not when the user set `webhook.public.key`,
    /// whose events the sandbox cannot sign, so it sends none.
    private let gatewayTrustsSandboxKey: Bool

    /// Starts the sandbox and points `settings` at it (API, consent page, token endpoint, OAuth client, and the
    /// webhook key, unless one is set).
    static func start(_ settings: inout GatewaySettings, logger: Logger) async throws -> SandboxUpstream {
        var configuration = SandboxConfiguration()
        configuration.tokenLifetime = settings.sandboxTokenLifetime
        configuration.locations = settings.sandboxLocations
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
        let trusts = settings.webhookPublicKey == nil
        if trusts { settings.webhookPublicKey = sandbox.webhookPublicKey }
        return SandboxUpstream(sandbox: sandbox, group: group, task: task, gatewayTrustsSandboxKey: trusts)
    }

    /// Points the sandbox's webhook events at the gateway's `POST /webhooks/highlevel` once its port is known;
    /// returns that URL, or `nil` when the gateway would refuse them (another key is set).
    func sendEvents(toGatewayAt listen: ListenAddress, port: Int) -> String? {
        guard gatewayTrustsSandboxKey else { return nil }
        // A wildcard listen address is reached on loopback.
        let host = switch listen.host {
        case "0.0.0.0": "127.0.0.1"
        case "::": "::1"
        default: listen.host
        }
        let url = "http://\(ListenAddress(host: host, port: port))/webhooks/highlevel"
        sandbox.setWebhookURL(url)
        return url
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
