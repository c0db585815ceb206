import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 channel (its idle timeout included), with what the gateway adds to every connection:
/// `ConnectionLimitHandler` in front, and `RequestReadTimeoutHandler` and `ConnectionPersistenceHandler` right
/// after the HTTP/1 decoder, where requests are whole parts but still carry their HTTP version.
///
/// Installed through `HTTPServerBuilder`, Hummingbird's own extension point: `HTTP1Channel` builds the pipeline, and
/// these handlers go in around it. Its `additionalChannelHandlers` would be too late in the pipeline: they see
/// HTTP types, which know neither the request's version nor bytes that have not made a head yet.
struct GatewayHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let slots: ConnectionSlots
    let headerTimeout: TimeAmount
    let bodyTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let slots = slots
        let headerTimeout = headerTimeout
        let bodyTimeout = bodyTimeout
        return http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ConnectionLimitHandler(slots: slots), position: .first)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let persistence = ConnectionPersistenceHandler()
            try pipeline.addHandler(persistence, position: .after(decoder))
            try pipeline.addHandler(
                RequestReadTimeoutHandler(headerTimeout: headerTimeout, bodyTimeout: bodyTimeout),
                position: .before(persistence))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}
