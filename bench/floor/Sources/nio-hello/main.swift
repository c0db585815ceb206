// The least an HTTP/1.1 server on SwiftNIO does per request: parse it, answer a fixed body. `bench/floors`
// measures it beside Hummingbird and nginx. Arguments: port, body file.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

final class FixedAnswer: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    // Built once: a floor pays nothing per request that a server could do ahead of time.
    let head: HTTPResponseHead
    let body: ByteBuffer

    init(body: ByteBuffer) {
        self.body = body
        let headers: HTTPHeaders = ["Content-Type": "application/json", "Content-Length": String(body.readableBytes)]
        self.head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[1]) else { fatalError("usage: nio-hello PORT BODY_FILE") }
let body = ByteBuffer(string: try String(contentsOfFile: arguments[2], encoding: .utf8))
let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(FixedAnswer(body: body)) }
    }
    .bind(host: "127.0.0.1", port: port).wait()
try channel.closeFuture.wait()
