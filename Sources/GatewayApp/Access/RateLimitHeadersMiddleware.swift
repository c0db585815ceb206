import GatewayCore
import HTTPTypes
import Hummingbird

/// Adds `RateLimit-Policy` and `RateLimit` to every answer given to a key whose rate was checked: proxied answers,
/// admin answers, and the gateway's own errors after the check.
struct RateLimitHeadersMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            var response = try await next(request, context)
            if let decision = context.rateLimit.current {
                for (name, value) in decision.headers {
                    if let field = HTTPField.Name(name) { response.headers[field] = value }
                }
            }
            return response
        } catch var error as GatewayError {
            if let decision = context.rateLimit.current {
                error.headers.merge(decision.headers) { own, _ in own }
            }
            throw error
        }
    }
}
