import Foundation
import HighLevelSandbox
import Hummingbird
import Logging
import ServiceLifecycle

/// The sandbox on a real socket by itself, for tests whose gateways are `serve` processes.
final class SandboxServer: Sendable {
    let sandbox: HighLevelSandbox
    let url: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(sandbox: HighLevelSandbox, url: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.sandbox = sandbox
        self.url = url
        self.group = group
        self.task = task
    }

    static func start(_ configuration: SandboxConfiguration) async throws -> SandboxServer {
        var logger = Logger(label: "test.sandbox")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG"] == nil ? .critical : .debug
        let sandbox = HighLevelSandbox(configuration: configuration)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = sandbox.makeApplication(host: "127.0.0.1", port: 0) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            throw RawHTTP.Failure(what: "the sandbox did not start")
        }
        return SandboxServer(sandbox: sandbox, url: "http://127.0.0.1:\(port)", group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
