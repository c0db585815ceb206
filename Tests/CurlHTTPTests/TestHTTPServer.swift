import Foundation
import Hummingbird
import Logging
import NIOCore

/// Request context that records the client's port so tests can see how many distinct TCP
/// connections the client used.
struct TestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remotePort: Int

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remotePort = source.channel.remoteAddress?.port ?? -1
    }

    var maxUploadSize: Int { 8 << 20 }
}

struct EchoReply: ResponseEncodable, Decodable {
    var method: String
    /// Lower-cased names, wire order.
    var headers: [[String]]
    var bodyBase64: String
    var remotePort: Int

    var body: [UInt8] { [UInt8](Data(base64Encoded: bodyBase64) ?? Data()) }

    func header(_ name: String) -> String? {
        headers.first { $0[0] == name.lowercased() }?[1]
    }

    func hasHeader(_ name: String) -> Bool {
        header(name) != nil
    }
}

/// Deterministic, non-repeating-looking bytes so truncation or reordering is detected.
func testPattern(count: Int, offset: Int = 0) -> [UInt8] {
    (offset..<(offset + count)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
}

private func makeRouter() -> Router<TestContext> {
    let router = Router(context: TestContext.self)
    let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .options]
    for method in methods {
        router.on("echo", method: method) { request, context -> EchoReply in
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            return EchoReply(
                method: request.method.rawValue,
                headers: request.headers.map { [$0.name.canonicalName, $0.value] },
                bodyBase64: Data(body.readableBytesView).base64EncodedString(),
                remotePort: context.remotePort
            )
        }
    }
    // A HEAD that announces a body it does not send: a client that forgot it asked for HEAD would wait for it.
    router.on("echo", method: .head) { _, _ -> Response in
        var headers = HTTPFields()
        headers[.init("X-Head")!] = "yes"
        headers[.contentLength] = "1000"
        return Response(status: .ok, headers: headers)
    }
    router.get("slow") { request, _ -> String in
        let ms = request.uri.queryParameters.get("ms", as: Int.self) ?? 1000
        try await Task.sleep(for: .milliseconds(ms))
        return "slow"
    }
    router.get("large") { request, _ -> Response in
        let count = request.uri.queryParameters.get("n", as: Int.self) ?? 0
        return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: testPattern(count: count))))
    }
    // Same bytes as /large but chunked, so the client cannot know the size up front.
    router.get("stream") { request, _ -> Response in
        let count = request.uri.queryParameters.get("n", as: Int.self) ?? 0
        return Response(status: .ok, body: ResponseBody { writer in
            var offset = 0
            while offset < count {
                let chunk = min(16_384, count - offset)
                try await writer.write(ByteBuffer(bytes: testPattern(count: chunk, offset: offset)))
                offset += chunk
            }
            try await writer.finish(nil)
        })
    }
    router.get("status/{code}") { _, context -> Response in
        let code = context.parameters.get("code", as: Int.self) ?? 500
        var headers = HTTPFields()
        headers[.init("X-Status-Route")!] = "yes"
        return Response(status: .init(code: code), headers: headers)
    }
    return router
}

struct ServerStartFailed: Error {}

/// Runs an in-process Hummingbird server on an ephemeral 127.0.0.1 port for the duration of `body`.
func withTestServer<T: Sendable>(_ body: (Int) async throws -> T) async throws -> T {
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "CurlHTTPTests.server")
    logger.logLevel = .critical
    let app = Application(
        router: makeRouter(),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: logger
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await app.runService(gracefulShutdownSignals: [])
        }
        defer { group.cancelAll() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            throw ServerStartFailed()
        }
        return try await body(port)
    }
}
