import GatewayCore
import Hummingbird

/// `GET /oauth/callback`: HighLevel sends the admin's browser here with a code once a location is chosen.
struct OAuthCallbackController {
    let connections: ConnectionAdministration
    let tokens: TokenBroker
    let gate: AuditGate

    func addRoutes(to router: some RouterMethods<GatewayContext>) {
        router.on(.oauthCallback) { request, context in
            let query = request.uri.queryParameters
            if let denied = query["error"] {
                throw GatewayError.badRequest("HighLevel reported '\(denied)' instead of a code. Start again.")
            }
            try await gate.requireWritable()
            let connection = try await connections.completeAuthorization(
                code: query["code"].map(String.init), state: query["state"].map(String.init))
            context.note.update { $0.locationId = connection.locationId }
            await tokens.forget(connection.locationId)
            return try JSONResponse.make(["locationId": connection.locationId, "status": "connected"])
        }
    }
}
