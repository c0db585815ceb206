import NIOCore

extension ChannelHandlerContext {
    /// Writes and flushes the last part of a response, and closes the connection once it has gone out: closing at
    /// once would drop what the socket has not yet taken.
    func writeLastAndClose(_ data: NIOAny, promise: EventLoopPromise<Void>?) {
        let written = eventLoop.makePromise(of: Void.self)
        if let promise { written.futureResult.cascade(to: promise) }
        writeAndFlush(data, promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in self.close(promise: nil) }
    }
}
