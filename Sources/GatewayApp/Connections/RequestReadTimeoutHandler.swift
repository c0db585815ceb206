import GatewayCore
import NIOCore
import NIOHTTP1

/// Bounds how long a client may take to send a request, so that slow clients cannot hold connections:
///
/// - its head must arrive within `headerTimeout` of the connection's start or, on a kept-alive connection, of the
///   first byte of that request (the idle timeout between requests is Hummingbird's, `HTTP1Channel`'s);
/// - its whole body must arrive within `bodyTimeout` of its head: one deadline for the whole body, not one per read,
///   so that a client sending a byte now and then gains nothing by it.
///
/// A head that is late gets 408 (problem+json) and the connection is closed; a connection that sent nothing is just
/// closed. A body that is late fails the request's body read with 408 `GatewayError`, which the edge answers and
/// audits like any other; the connection is closed after that answer.
///
/// It sits after the HTTP/1 decoder, so it sees whole parts; a read that decodes no part is how it learns that a new
/// head has begun. The request path stays cheap: no clock read for a request that comes in one read, and at most one
/// timer per connection, scheduled when a deadline begins and none is pending, re-armed only when it fires early.
final class RequestReadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Phase {
        /// Between requests: no deadline here.
        case betweenRequests
        /// Waiting for a head until `deadline`; `begun` once some of its bytes came.
        case head(deadline: NIODeadline, begun: Bool)
        /// The head came in the read being handled; the body's deadline starts when that read completes, unless the
        /// request ends in it too.
        case bodyStarting
        case body(deadline: NIODeadline)
        /// Too late: the connection is closing and drops whatever else comes.
        case expired
    }

    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private var phase = Phase.betweenRequests
    private var decodedInThisRead = false
    /// Requests whose answer has not been written to the end.
    private var responsesOwed = 0
    private var closeAfterResponses = false
    private var timer: Scheduled<Void>?
    private var timerDeadline = NIODeadline.distantFuture

    init(headerTimeout: TimeAmount, bodyTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startConnection(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    func channelActive(context: ChannelHandlerContext) {
        startConnection(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        phase = .expired
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .expired = phase { return }
        switch unwrapInboundIn(data) {
        case .head:
            phase = .bodyStarting
            responsesOwed += 1
        case .body:
            break
        case .end:
            phase = .betweenRequests
        }
        decodedInThisRead = true
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !decodedInThisRead {
            switch phase {
            case .betweenRequests:
                let deadline = NIODeadline.now() + headerTimeout
                phase = .head(deadline: deadline, begun: true)
                arm(context, deadline)
            case .head(let deadline, begun: false):
                phase = .head(deadline: deadline, begun: true)
            default:
                break
            }
        }
        if case .bodyStarting = phase {
            let deadline = NIODeadline.now() + bodyTimeout
            phase = .body(deadline: deadline)
            arm(context, deadline)
        }
        decodedInThisRead = false
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard closeAfterResponses else {
            // Never below zero: Hummingbird's own 400 for a head it could not parse answers no head seen here.
            if case .end = unwrapOutboundIn(data) { responsesOwed = max(0, responsesOwed - 1) }
            context.write(data, promise: promise)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var head):
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            responsesOwed = max(0, responsesOwed - 1)
            if responsesOwed == 0 {
                context.writeLastAndClose(data, promise: promise)
            } else {
                context.write(data, promise: promise)
            }
        }
    }

    // MARK: Deadlines

    private func startConnection(_ context: ChannelHandlerContext) {
        guard case .betweenRequests = phase, timer == nil else { return }
        let deadline = NIODeadline.now() + headerTimeout
        phase = .head(deadline: deadline, begun: false)
        arm(context, deadline)
    }

    /// Makes sure the timer fires by `deadline`: a pending one that fires earlier is kept, and re-armed then.
    private func arm(_ context: ChannelHandlerContext, _ deadline: NIODeadline) {
        if timer != nil {
            if timerDeadline <= deadline { return }
            timer?.cancel()
        }
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { self.timerFired(context) }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = .distantFuture
    }

    private func timerFired(_ context: ChannelHandlerContext) {
        timer = nil
        timerDeadline = .distantFuture
        let now = NIODeadline.now()
        switch phase {
        case .head(let deadline, let begun):
            if deadline <= now { headTimedOut(context, begun: begun) } else { arm(context, deadline) }
        case .body(let deadline):
            if deadline <= now { bodyTimedOut(context) } else { arm(context, deadline) }
        case .betweenRequests, .bodyStarting, .expired:
            break
        }
    }

    private func headTimedOut(_ context: ChannelHandlerContext, begun: Bool) {
        phase = .expired
        GatewayMetrics.requestReadTimeout(part: "head")
        // An answer now would come before the answers still owed; a connection that sent nothing asked nothing.
        guard begun, responsesOwed == 0 else {
            context.close(promise: nil)
            return
        }
        let requestId = RequestIdentifier.make()
        let body = ByteBuffer(bytes: ProblemResponse.encode(Self.lateHead, requestId: requestId))
        let headers = HTTPHeaders([
            ("content-type", "application/problem+json"), ("content-length", String(body.readableBytes)),
            ("connection", "close"), ("x-request-id", requestId),
        ])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .requestTimeout, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeLastAndClose(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func bodyTimedOut(_ context: ChannelHandlerContext) {
        phase = .expired
        GatewayMetrics.requestReadTimeout(part: "body")
        guard responsesOwed > 0 else {
            // Answered already (without reading the body): nothing is left to say.
            context.close(promise: nil)
            return
        }
        closeAfterResponses = true
        // Ends the request's body with this error: the edge answers it as 408 problem+json, and audits it.
        context.fireErrorCaught(Self.lateBody)
    }

    private static let lateHead = GatewayError.requestTimeout(
        "The request's head did not arrive within the gateway's header timeout (GATEWAY_HEADER_TIMEOUT).")
    private static let lateBody = GatewayError.requestTimeout(
        "The request's body did not arrive within the gateway's body timeout (GATEWAY_BODY_TIMEOUT).")
}
