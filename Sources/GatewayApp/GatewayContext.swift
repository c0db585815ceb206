import GatewayConsole
import GatewayCore
import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage, the request id, the caller's address, the key that
/// authenticated (admin routes), and the audit note that every layer fills in as it learns something.
public struct GatewayContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestId: String = ""
    public let client: String?
    /// Set by ``AdminAuthenticator`` before an admin route's handler runs.
    public var principal: Principal?
    public let note = AuditNote()
    public let rateLimit = RateLimitNote()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.client = source.channel.remoteAddress?.ipAddress
    }

    /// The authenticated key of an admin route. Only a route registered without a scope has none, so asking there
    /// is a programming error, answered 500.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw GatewayError.internalError("This route asked for a key it was not given.") }
        return principal
    }

    /// The matched route's template as Hummingbird saw it (`/admin/v1/keys/{id}`), `nil` when none matched.
    var matchedPath: String? {
        guard let path = endpointPath, path != "NotFound" else { return nil }
        return path
    }
}

extension GatewayContext: ConsoleRequestContext {
    public func noteConsoleAction(by principal: Principal, resourceId: String?, locationId: String?) {
        note.update {
            $0.principal = principal
            $0.resourceId = resourceId
            $0.locationId = locationId ?? $0.locationId
        }
    }
}
