import NIOCore
import NIOHTTP1

/// Whether a connection stays open after an answer, as RFC 9112 §9.3 decides it and as neither Hummingbird nor NIO
/// does for HTTP/1.0: Hummingbird answers every request as HTTP/1.1 and keeps the connection unless the request
/// says exactly `Connection: close`, so an HTTP/1.0 client got a kept-alive connection it never asked for (and, for
/// an answer of unknown length, a chunked body it cannot read).
///
/// - HTTP/1.0 without `Connection: keep-alive`, or any request with `Connection: close`: the answer carries
///   `Connection: close`, the connection is closed once it is written, and nothing sent after that request is read.
/// - HTTP/1.0 with `Connection: keep-alive`: the answer carries `Connection: keep-alive` when its length is known;
///   otherwise it is closed like the above, its end being the connection's.
/// - An answer to HTTP/1.0 says HTTP/1.0, so that NIO's encoder never frames it chunked.
///
/// HTTP/1.1 kept alive, nearly every request, costs one check of the decoded head and nothing on the way out.
final class ConnectionPersistenceHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Persistence {
        case http11KeepAlive
        case http10KeepAlive
        case close(HTTPVersion)
    }

    /// One per request read and not yet answered to the end, in order (HTTP/1.1 may pipeline), from the first that
    /// is not HTTP/1.1 kept alive on: those in front of it are only counted, so that on nearly every connection this
    /// stays empty and never allocates.
    private var pending: [Persistence] = []
    private var leadingKeptAlive = 0
    /// A request asked for the connection to end: whatever follows it is not read.
    private var ending = false
    private var dropping = false
    /// The answer being written asked for the connection to end with it.
    private var closesAfterAnswer = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard !ending else {
                dropping = true
                return
            }
            let persistence = Self.persistence(of: head)
            if case .http11KeepAlive = persistence, pending.isEmpty {
                leadingKeptAlive += 1
            } else {
                if case .close = persistence { ending = true }
                pending.append(persistence)
            }
        case .body, .end:
            if dropping { return }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Answers are written in the order of their requests, so the next one written is the front request's.
        guard leadingKeptAlive == 0 else {
            if case .end = unwrapOutboundIn(data) { leadingKeptAlive -= 1 }
            context.write(data, promise: promise)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var head):
            switch pending.first ?? .http11KeepAlive {
            case .http11KeepAlive:
                break
            case .http10KeepAlive:
                head.version = .http1_0
                if Self.hasKnownLength(head) {
                    head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
                } else {
                    head.headers.replaceOrAdd(name: "connection", value: "close")
                    closesAfterAnswer = true
                }
            case .close(let version):
                head.version = version
                head.headers.replaceOrAdd(name: "connection", value: "close")
                closesAfterAnswer = true
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            if !pending.isEmpty { pending.removeFirst() }
            if closesAfterAnswer {
                ending = true
                context.writeLastAndClose(data, promise: promise)
            } else {
                context.write(data, promise: promise)
            }
        }
    }

    private static func persistence(of head: HTTPRequestHead) -> Persistence {
        if head.version.major == 1, head.version.minor >= 1 {
            return head.isKeepAlive ? .http11KeepAlive : .close(head.version)
        }
        return head.isKeepAlive ? .http10KeepAlive : .close(.http1_0)
    }

    /// Whether an HTTP/1.0 client can tell where this answer ends without the connection ending.
    private static func hasKnownLength(_ head: HTTPResponseHead) -> Bool {
        switch head.status.code {
        case 100..<200, 204, 304: return true
        default: return head.headers.contains(name: "content-length")
        }
    }
}
