import GatewayCore
import HTTPTypes
import Hummingbird

extension RouterMethods {
    /// Registers `handler` for a route of ``GatewayRoute/all``: its method and path come from the table, so the
    /// router, the scope check, the audit label and the OpenAPI document cannot disagree.
    @discardableResult
    func on(
        _ route: GatewayRoute,
        use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator
    ) -> Self {
        on(RouterPath(route.path), method: HTTPRequest.Method(route.method)!, use: handler)
    }
}
