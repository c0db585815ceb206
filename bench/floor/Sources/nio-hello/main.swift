// The least an HTTP/1.1 server on SwiftNIO does per request: parse it, answer a fixed body. `bench/floors`
// measures it beside Hummingbird and nginx. Arguments: port, body file.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

final class FixedAnswer: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let body: String

    init(body: String) {
        self.body = body
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let buffer = context.channel.allocator.buffer(string: body)
        let headers: HTTPHeaders = ["Content-Type": "application/json", "Content-Length": String(buffer.readableBytes)]
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[1]) else { fatalError("usage: nio-hello PORT BODY_FILE") }
let body = try String(contentsOfFile: arguments[2], encoding: .utf8)
let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(FixedAnswer(body: body)) }
    }
    .bind(host: "127.0.0.1", port: port).wait()
try channel.closeFuture.wait()
