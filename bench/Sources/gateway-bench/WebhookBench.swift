import ArgumentParser
import Crypto
import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySettings
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// `gateway-bench webhooks`: HighLevel's events into a gateway over HTTP, and its deliveries out to a local
/// receiver (bench/webhooks runs it). A real gateway on a loopback socket with its SQLite store, one subscription
/// that takes every event, and `concurrency` posters sending distinct signed events as HighLevel would; it prints
/// accepted events per second (each answered 200 only once committed with its delivery) and deliveries per second
/// until the outbox is empty.
struct WebhookBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Measure events accepted and deliveries sent per second (for bench/webhooks).")
    @Option(help: "The database, e.g. sqlite:/tmp/bench.sqlite (made when missing).") var database: String
    @Option(help: "Events to send.") var events = 20_000
    @Option(help: "Concurrent posters.") var concurrency = 32
    @Option(help: "commit or async.") var durability = "commit"
    @Option(help: "The event types the subscription takes (the posters send ContactUpdate): ContactDelete queues no delivery, to measure the intake alone.")
    var takes = "*"

    func run() async throws {
        try await benchmarking {
            let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
            let signing = Curve25519.Signing.PrivateKey()
            var settings = try SettingsReader(
                flags: ["--database", database, "--listen", "127.0.0.1:0", "--audit-durability", durability,
                        "--webhook-public-key", signing.publicKey.rawRepresentation.base64EncodedString(),
                        "--reconcile-interval", "off"],
                environment: ProcessInfo.processInfo.environment
            ).read()
            settings.secretKey = settings.secretKey ?? GatewaySecret.generate()
            let receiver = Receiver()
            let receiverPort = try await receiver.start(logger: logger)
            let client = try CurlHTTPClient()
            defer { client.shutdown() }
            let storage = try await GatewayStorage.open(settings, creating: true, logger: logger)
            let gateway = Gateway(
                settings: settings, storage: storage, upstream: CurlUpstreamClient(client: client), logger: logger)
            _ = try await gateway.webhookAdministration.create(
                url: "http://127.0.0.1:\(receiverPort)/hook", events: takes.split(separator: ",").map(String.init),
                locations: [], enrich: false, by: .operator)
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = gateway.buildApplication { continuation.yield($0) }
            let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
            let serving = Task { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw BenchFailure("the gateway did not start") }

            // Signed before the clock starts: the bench measures the gateway, not its own signing.
            let now = ISOTime.text(Date())
            let bodies: [(body: [UInt8], signature: String)] = try (0..<events).map { index in
                let body = Array(
                    #"{"type":"ContactUpdate","locationId":"loc-bench","id":"c-\#(index % 997)","webhookId":"bench-\#(UUID().uuidString)","timestamp":"\#(now)","dateUpdated":"\#(now)","firstName":"Ada","email":"ada\#(index)@example.com"}"#.utf8)
                return (body, try signing.signature(for: Data(body)).base64EncodedString())
            }
            let url = "http://127.0.0.1:\(port)/webhooks/highlevel"
            let counters = Counters()
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { posters in
                for _ in 0..<max(1, concurrency) {
                    posters.addTask {
                        while true {
                            let index = counters.next.add(1, ordering: .relaxed).oldValue
                            guard index < bodies.count else { return }
                            let answer = try await client.execute(CurlRequest(
                                method: "POST", url: url,
                                headers: [("Content-Type", "application/json"), ("X-GHL-Signature", bodies[index].signature)],
                                body: bodies[index].body))
                            if answer.status != 200 { counters.refused.add(1, ordering: .relaxed) }
                        }
                    }
                }
                try await posters.waitForAll()
            }
            let accepted = ContinuousClock.now - started
            let expected = takes == "*" || takes.contains("ContactUpdate") ? events : 0
            while receiver.count < expected - counters.refused.load(ordering: .relaxed) {
                if ContinuousClock.now - started > .seconds(600) { throw BenchFailure("deliveries stalled at \(receiver.count)") }
                try await Task.sleep(for: .milliseconds(20))
            }
            let drained = ContinuousClock.now - started
            let depth = try await storage.repositories.webhooks.outboxDepth()
            print(
                "durability=\(durability) takes=\(takes) events=\(events) posters=\(concurrency) refused=\(counters.refused.load(ordering: .relaxed))"
                    + " accept_seconds=\(Self.format(accepted)) accepted_per_second=\(Int(Double(events) / accepted.seconds))"
                    + " delivered=\(receiver.count) delivered_seconds=\(Self.format(drained))"
                    + " deliveries_per_second=\(Int(Double(receiver.count) / drained.seconds)) outbox_pending=\(depth.pending)")
            await group.triggerGracefulShutdown()
            _ = try? await serving.value
            await receiver.stop()
            await storage.close()
        }
    }

    static func format(_ duration: Duration) -> String { String(format: "%.2f", duration.seconds) }

    /// The posters' shared place in the list of events, and the answers that were not 200.
    final class Counters: Sendable {
        let next = Atomic<Int>(0)
        let refused = Atomic<Int>(0)
    }

    /// A receiver that answers 204 and counts what it got.
    final class Receiver: Sendable {
        private let received = Atomic<Int>(0)
        private let task = Mutex<Task<Void, any Error>?>(nil)
        private let shutdown = Mutex<ServiceGroup?>(nil)

        var count: Int { received.load(ordering: .relaxed) }

        func start(logger: Logger) async throws -> Int {
            let router = Router()
            router.post("/hook") { request, _ -> Response in
                _ = try await request.body.collect(upTo: 1 << 20)
                self.received.add(1, ordering: .relaxed)
                return Response(status: .noContent)
            }
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            let app = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
            shutdown.withLock { $0 = group }
            task.withLock { $0 = Task { try await group.run() } }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw BenchFailure("the receiver did not start") }
            return port
        }

        func stop() async {
            await shutdown.withLock { $0 }?.triggerGracefulShutdown()
            _ = try? await task.withLock { $0 }?.value
        }
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
