import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import GatewaySettings
import HighLevelSandbox
import Hummingbird
import Logging
import ServiceLifecycle
import TestPostgres
import Testing

/// A real gateway on a real socket over a real SQLite file, with the HighLevel sandbox as its upstream over HTTP.
final class TestGateway: Sendable {
    let sandbox: HighLevelSandbox
    let sandboxURL: String
    let gateway: Gateway
    let url: String
    let directory: URL
    let client: CurlHTTPClient
    let adminKey: String
    let editorKey: String
    let readerKey: String
    private let groups: [ServiceGroup]
    private let tasks: [Task<Void, any Error>]
    /// The sandbox this gateway started (nil when it shares another's), stopped after the gateway.
    private let ownSandbox: SandboxServer?

    static let location = SandboxBootstrap.locationId

    struct Options {
        var tokenLifetime: Duration = .seconds(86_399)
        var rateLimit: SandboxRateLimit? = nil
        var lifecycle = TokenLifecycle()
        var maxBodyBytes = 1 << 20
        var upstreamTimeout: Duration = .seconds(30)
        var upstreamLimit: Rate? = Rate(count: 100, perSeconds: 10)
        var connect = true
        /// Point the gateway somewhere other than the sandbox.
        var upstreamURL: String? = nil
        /// Reuse another gateway's database and sandbox (several gateways sharing one store).
        var sharing: TestGateway? = nil
        /// A PostgreSQL database instead of an SQLite file (with a fixed GATEWAY_SECRET_KEY, as PostgreSQL needs).
        var postgres: TestDatabase? = nil
        /// Generous, so that tests about other things never meet the per-key limit.
        var keyRate = Rate(count: 10_000, perSeconds: 1)
        var keyBurst = 10_000
        var lastUsedFlushInterval: Duration = .seconds(5)
        /// Where the gateway logs (default: nowhere, unless TEST_LOG is set).
        var logger: Logger? = nil
        var auditDurability = AuditTrail.Durability.commit
        /// Generous, so that tests about other things never meet it.
        var authFailureLimit: Rate? = Rate(count: 100_000, perSeconds: 1)
        var failedAuthenticationAuditInterval: Duration = .seconds(10)
        /// How often the gateway signs a checkpoint of its trail (the default's minute keeps other tests clear of it).
        var auditCheckpointInterval: Duration = .seconds(60)
        var node = "test-node"
        /// The sandbox's known locations (the first is its authorize page's default).
        var sandboxLocations = ["loc-sandbox"]
        /// The connection limits, at `serve`'s defaults unless a test sets them.
        var idleTimeout = GatewaySettings().idleTimeout
        var headerTimeout = GatewaySettings().headerTimeout
        var bodyTimeout = GatewaySettings().bodyTimeout
        var maxConnections = GatewaySettings().maxConnections
        /// HighLevel's webhook keys (PEM), unset by default as in `serve`.
        var webhookPublicKey: String? = nil
        var webhookRSAPublicKey: String? = nil
        var deliverySchedule = DeliverySchedule.standard
        var deliveryTimeout: Duration = .seconds(10)
        /// `serve`'s 15 minutes: never reached in a test, which drives passes itself.
        var reconcileInterval: Duration? = GatewaySettings().reconcileInterval
    }

    static func start(_ options: Options = Options()) async throws -> TestGateway {
        let directory: URL
        let sandbox: HighLevelSandbox
        let sandboxURL: String
        var groups: [ServiceGroup] = []
        var tasks: [Task<Void, any Error>] = []
        var ownSandbox: SandboxServer?
        var logger = Logger(label: "test")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG"] == nil ? .critical : .debug
        if let chosen = options.logger { logger = chosen }
        if let shared = options.sharing {
            directory = shared.directory
            sandbox = shared.sandbox
            sandboxURL = shared.sandboxURL
        } else {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var configuration = SandboxConfiguration()
            configuration.tokenLifetime = options.tokenLifetime
            configuration.rateLimit = options.rateLimit
            configuration.locations = options.sandboxLocations
            let server = try await SandboxServer.start(configuration)
            ownSandbox = server
            sandbox = server.sandbox
            sandboxURL = server.url
        }

        var settings = GatewaySettings()
        settings.listen = ListenAddress(host: "127.0.0.1", port: 0)
        settings.database = .sqlite(path: directory.appendingPathComponent("gateway.sqlite").path)
        if let postgres = options.postgres {
            settings.database = .postgres(url: postgres.url)
            settings.secretKey = try GatewaySecret(bytes: Array(repeating: 7, count: 32))
        }
        if let shared = options.sharing {
            settings.database = shared.gateway.settings.database
            settings.secretKey = shared.gateway.settings.secretKey
        }
        settings.upstreamURL = URL(string: options.upstreamURL ?? sandboxURL)!
        settings.authorizeURL = URL(string: sandboxURL + "/v2/oauth/chooselocation")!
        settings.clientId = "sandbox-client-id"
        settings.clientSecret = "sandbox-client-secret"
        settings.maxBody = options.maxBodyBytes
        settings.upstreamTimeout = options.upstreamTimeout
        settings.upstreamLimit = options.upstreamLimit
        settings.keyRate = options.keyRate
        settings.keyBurst = options.keyBurst
        settings.tuning.lastUsedFlushInterval = options.lastUsedFlushInterval
        // Not 16 MB written and synced for each of the suite's hundreds of servers.
        settings.tuning.auditJournalSize = 256 << 10
        settings.auditDurability = options.auditDurability
        settings.authFailureLimit = options.authFailureLimit
        settings.tuning.failedAuthenticationAuditInterval = options.failedAuthenticationAuditInterval
        settings.idleTimeout = options.idleTimeout
        settings.headerTimeout = options.headerTimeout
        settings.bodyTimeout = options.bodyTimeout
        settings.maxConnections = options.maxConnections
        settings.auditCheckpointInterval = options.auditCheckpointInterval
        settings.node = options.node
        settings.webhookPublicKey = options.webhookPublicKey
        settings.webhookRSAPublicKey = options.webhookRSAPublicKey
        settings.deliverySchedule = options.deliverySchedule
        settings.deliveryTimeout = options.deliveryTimeout
        settings.reconcileInterval = options.reconcileInterval
        let client = try CurlHTTPClient()
        let storage = try await GatewayStorage.open(settings, creating: true, serving: true, logger: logger)
        let gateway = Gateway(
            settings: settings, storage: storage, upstream: CurlUpstreamClient(client: client),
            lifecycle: options.lifecycle, logger: logger)
        if options.connect, options.sharing == nil { _ = try await SandboxBootstrap.connect(gateway) }
        let keys = gateway.keyAdministration
        let admin = try await keys.create(name: "test-admin", role: "admin", by: .operator).key
        let editor = try await keys.create(name: "test-editor", role: "editor", by: .operator).key
        let reader = try await keys.create(name: "test-reader", role: "reader", by: .operator).key
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = gateway.buildApplication { continuation.yield($0) }
        let port = try await Self.run(app, ports, logger, &groups, &tasks)
        return TestGateway(
            sandbox: sandbox, sandboxURL: sandboxURL, gateway: gateway, url: "http://127.0.0.1:\(port)",
            directory: directory, client: client, adminKey: admin, editorKey: editor, readerKey: reader,
            groups: groups, tasks: tasks, ownSandbox: ownSandbox)
    }

    private static func run(
        _ app: some ApplicationProtocol, _ ports: AsyncStream<Int>, _ logger: Logger,
        _ groups: inout [ServiceGroup], _ tasks: inout [Task<Void, any Error>]
    ) async throws -> Int {
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        groups.append(group)
        tasks.append(Task { try await group.run() })
        var iterator = ports.makeAsyncIterator()
        return try #require(await iterator.next())
    }

    private init(
        sandbox: HighLevelSandbox, sandboxURL: String, gateway: Gateway, url: String, directory: URL,
        client: CurlHTTPClient, adminKey: String, editorKey: String, readerKey: String, groups: [ServiceGroup],
        tasks: [Task<Void, any Error>], ownSandbox: SandboxServer?
    ) {
        self.ownSandbox = ownSandbox
        self.sandbox = sandbox
        self.sandboxURL = sandboxURL
        self.gateway = gateway
        self.url = url
        self.directory = directory
        self.client = client
        self.adminKey = adminKey
        self.editorKey = editorKey
        self.readerKey = readerKey
        self.groups = groups
        self.tasks = tasks
    }

    /// Stops the servers (gateway first), and removes the files unless another gateway shares them.
    func stop(removeFiles: Bool = true) async {
        for group in groups.reversed() { await group.triggerGracefulShutdown() }
        for task in tasks { _ = try? await task.value }
        await ownSandbox?.stop()
        await gateway.audit.flush()
        await gateway.storage.close()
        client.shutdown()
        if removeFiles { try? FileManager.default.removeItem(at: directory) }
    }

    /// A request to the gateway with `key` (the editor's unless told otherwise).
    func call(
        _ method: String, _ path: String, key: String? = "", json: String? = nil, headers: [(name: String, value: String)] = []
    ) async throws -> CurlResponse {
        var all = headers
        let key = key == "" ? editorKey : key
        if let key { all.append(("Authorization", "Bearer \(key)")) }
        if json != nil { all.append(("Content-Type", "application/json")) }
        return try await client.execute(
            CurlRequest(method: method, url: url + path, headers: all, body: json.map { Array($0.utf8) }))
    }

    /// A key made straight in the store, and seen by the running gateway at once.
    func makeKey(
        role: String, name: String = "test-key", locations: [String]? = nil, rate: String? = nil, burst: Int? = nil,
        expiresIn: String? = nil
    ) async throws -> KeyAdministration.CreatedKey {
        let created = try await gateway.keyAdministration.create(
            name: name, role: role, locations: locations, rate: rate, burst: burst, expiresIn: expiresIn, by: .operator)
        gateway.keyDirectory.invalidate()
        return created
    }

    /// The port the gateway listens on, for raw sockets.
    var port: Int { Int(url.split(separator: ":").last ?? "") ?? 0 }

    /// The `--database` value that CLI commands need to work on this gateway's store.
    var database: String { gateway.settings.database.description }

    /// The SQLite file.
    var databasePath: String { directory.appendingPathComponent("gateway.sqlite").path }

    /// The store as the SQLite store it is, for what tests read or break behind the gateway's back.
    var store: SQLiteStore { gateway.repositories.health as! SQLiteStore }

    /// The trail checked as `audit verify` checks it, with this gateway's public key.
    func verifyAudit() async throws -> AuditVerification {
        try await gateway.repositories.audit.verifyAudit(key: gateway.storage.checkpointSigner.publicKey)
    }

    func storedConnection() async throws -> Connection {
        try #require(try await gateway.repositories.connections.connection(locationId: Self.location))
    }
}

extension CurlResponse {
    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], "not a JSON object: \(text)")
    }

    /// Checks a problem+json answer of the gateway's own making.
    func expectProblem(_ status: Int, containing fragment: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(self.status == status, "status \(self.status): \(text)", sourceLocation: sourceLocation)
        #expect(header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
        let object = try json()
        #expect(object["status"] as? Int == status, sourceLocation: sourceLocation)
        #expect(object["type"] is String && object["title"] is String && object["requestId"] is String, sourceLocation: sourceLocation)
        if let fragment {
            let detail = object["detail"] as? String ?? ""
            #expect(detail.contains(fragment), "detail: \(detail)", sourceLocation: sourceLocation)
        }
    }
}

/// Runs `body` against a fresh gateway and always stops it.
func withGateway(_ options: TestGateway.Options = .init(), _ body: (TestGateway) async throws -> Void) async throws {
    let gateway = try await TestGateway.start(options)
    do {
        try await body(gateway)
    } catch {
        await gateway.stop()
        throw error
    }
    await gateway.stop()
}
