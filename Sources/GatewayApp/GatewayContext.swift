import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage, the request id, the caller's address, and the audit note
/// that every layer fills in as it learns something.
public struct GatewayContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestId: String = ""
    public let client: String?
    public let note = AuditNote()
    public let rateLimit = RateLimitNote()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.client = source.channel.remoteAddress?.ipAddress
    }
}
