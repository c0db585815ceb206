import GatewayCore
import Hummingbird

/// Authentication, the scope check and the key's rate limit for the gateway's own routes, noted for the audit record.
struct AdminAccess: Sendable {
    let keys: KeyDirectory
    let limits: KeyRateLimiter

    func require(_ scope: Scope, _ request: Request, _ context: GatewayContext, route: String) async throws -> Principal {
        context.note.update { $0.route = route }
        let principal = try await keys.authenticate(CallerKey.presented(in: request.headers))
        context.note.update { $0.principal = principal }
        try principal.require(scope)
        try context.rateLimit.admit(principal, with: limits)
        return principal
    }
}
