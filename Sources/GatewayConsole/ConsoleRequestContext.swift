import GatewayCore
import Hummingbird

/// What the console needs of the gateway's request context: to name the signed-in key, and what it acted on, in the
/// request's audit record (the edge writes one record per request, console pages and downloads included).
public protocol ConsoleRequestContext: RequestContext {
    func noteConsoleAction(by principal: Principal, resourceId: String?, locationId: String?)
}
