import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A real HTTP receiver on a loopback port for the sandbox's webhook events: it records every POST (headers by
/// lowercased name, raw body) and answers each with the next of `answers` (the last one once they run out), after
/// waiting while `held` is set.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let headers: [String: String]
        let body: [UInt8]

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }
    }

    let received = Mutex<[Received]>([])
    let held = Mutex(false)
    private let answers: [HTTPResponse.Status]

    private init(answers: [HTTPResponse.Status]) {
        self.answers = answers
    }

    var requests: [Received] { received.withLock { $0 } }

    /// Waits up to `limit` for at least `count` requests, and returns what arrived.
    func waitFor(_ count: Int, within limit: Duration = .seconds(15)) async throws -> [Received] {
        let deadline = ContinuousClock.now + limit
        while requests.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return requests
    }

    static func run(
        answers: [HTTPResponse.Status] = [.ok], _ body: (WebhookReceiver, String) async throws -> Void
    ) async throws {
        let receiver = WebhookReceiver(answers: answers)
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let index = receiver.received.withLock { list in
                list.append(Received(headers: headers, body: Array(buffer: bytes)))
                return list.count - 1
            }
            let limit = ContinuousClock.now + .seconds(30)
            while receiver.held.withLock({ $0 }), ContinuousClock.now < limit {
                try await Task.sleep(for: .milliseconds(10))
            }
            return Response(status: receiver.answers[min(index, receiver.answers.count - 1)])
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        defer { task.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await body(receiver, "http://127.0.0.1:\(port)/hook")
        receiver.held.withLock { $0 = false }
        await group.triggerGracefulShutdown()
    }
}
