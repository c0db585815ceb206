import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// First in every connection's pipeline: holds one of the `ConnectionSlots` while the connection is open, and resets
/// a connection that finds them all taken the moment it is accepted.
///
/// Accepting and resetting, rather than leaving new connections in the kernel's accept queue (Hummingbird's
/// `MaximumAvailableConnections`), is what a proxy in front needs: it learns at once that this gateway is full
/// instead of waiting out its read timeout on a connection the kernel completed but nobody serves, and a flood of
/// refused connections costs one accept and one close each, with no TIME_WAIT (SO_LINGER 0 makes the close a reset).
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let slots: ConnectionSlots
    private var holdsSlot = false
    private var decided = false

    init(slots: ConnectionSlots) {
        self.slots = slots
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        releaseSlot()
    }

    func channelActive(context: ChannelHandlerContext) {
        if admit(context) { context.fireChannelActive() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        releaseSlot()
        context.fireChannelInactive()
    }

    /// Takes a slot once per connection; without one, resets the connection and answers false.
    @discardableResult
    private func admit(_ context: ChannelHandlerContext) -> Bool {
        guard !decided else { return holdsSlot }
        decided = true
        if slots.take() {
            holdsSlot = true
            return true
        }
        GatewayMetrics.connectionRefused()
        if let socket = context.channel as? any SocketOptionProvider {
            _ = socket.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        }
        context.close(promise: nil)
        return false
    }

    private func releaseSlot() {
        if holdsSlot {
            holdsSlot = false
            slots.release()
        }
    }
}
