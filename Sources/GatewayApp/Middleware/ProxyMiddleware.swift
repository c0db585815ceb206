import Hummingbird

/// Sends everything under `/contacts` to the proxy; the route table, not Hummingbird's router, decides what exists
/// there, so no path outside it can be reached by a trick of routing.
struct ProxyMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let proxy: ProxyHandler

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        guard path == "/contacts" || path.hasPrefix("/contacts/") else { return try await next(request, context) }
        return try await proxy.forward(request, context: context)
    }
}
