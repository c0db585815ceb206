import HummingbirdCore
import NIOCore

extension HTTPServerBuilder {
    /// HTTP/1 with the gateway's connection limits (see `GatewayHTTP1Channel`).
    static func gateway(
        idleTimeout: Duration, headerTimeout: Duration, bodyTimeout: Duration, maxConnections: Int
    ) -> HTTPServerBuilder {
        let slots = ConnectionSlots(limit: maxConnections)
        return HTTPServerBuilder { responder in
            GatewayHTTP1Channel(
                http1: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: TimeAmount(idleTimeout))),
                slots: slots, headerTimeout: TimeAmount(headerTimeout), bodyTimeout: TimeAmount(bodyTimeout))
        }
    }
}
