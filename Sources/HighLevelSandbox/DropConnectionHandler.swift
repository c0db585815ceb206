import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes the TCP connection instead of writing a response whose head carries the drop marker.
///
/// Hummingbird always writes the value a route returns, and a thrown error becomes a 500, so a route alone
/// cannot produce "no response at all". This handler sits between the HTTP codec and Hummingbird's
/// responder, sees the marked head before any byte is encoded, and closes the channel: the client gets
/// EOF with nothing written (curl: "Empty reply from server", exit 52).
final class DropConnectionHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let marker = HTTPField.Name("x-highlevel-sandbox-drop")!

    private var dropping = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if dropping {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if case .head(let head) = unwrapOutboundIn(data), head.headerFields[Self.marker] != nil {
            dropping = true
            promise?.fail(ChannelError.ioOnClosedChannel)
            context.close(mode: .all, promise: nil)
            return
        }
        context.write(data, promise: promise)
    }
}
