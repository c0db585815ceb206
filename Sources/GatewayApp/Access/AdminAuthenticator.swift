import GatewayCore
import Hummingbird

/// Authentication for the gateway's own keyed routes: the matched route's entry in ``GatewayRoute/all`` names the
/// scope it needs; the key is authenticated, checked for that scope and against its rate, noted for the audit
/// record, and handed to the handler in ``GatewayContext/principal``.
struct AdminAuthenticator: RouterMiddleware {
    typealias Context = GatewayContext
    let directory: KeyDirectory
    let limits: KeyRateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let path = context.matchedPath,
            let route = GatewayRoute.matching(method: request.method.rawValue, path: path)
        else {
            throw GatewayError.internalError("The route \(request.method.rawValue) \(context.matchedPath ?? "?") is not in the route table.")
        }
        guard let scope = route.scope else { return try await next(request, context) }
        let principal = try await directory.authenticate(CallerKey.presented(in: request.headers))
        context.note.update { $0.principal = principal }
        try principal.require(scope)
        try await context.rateLimit.admit(principal, with: limits)
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}
