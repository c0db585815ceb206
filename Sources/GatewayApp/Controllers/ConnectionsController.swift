import GatewayCore
import Hummingbird

/// `/admin/v1/connections` and the OAuth callback that completes an authorization.
struct ConnectionsController {
    let gateway: Gateway
    let access: AdminAccess

    private struct AuthorizeBody: Decodable {
        var locationId: String?
    }

    func addRoutes(to router: Router<GatewayContext>) {
        router.get("/admin/v1/connections") { request, context in
            let principal = try await access.require(
                .connectionsManage, request, context, route: "GET /admin/v1/connections")
            let all = try await gateway.connections.list(by: .key(principal))
            return try JSONResponse.make(["connections": all.map(ConnectionSummary.init)])
        }
        router.post("/admin/v1/connections/authorize") { request, context in
            let principal = try await access.require(
                .connectionsManage, request, context, route: "POST /admin/v1/connections/authorize")
            let body = try await AdminBody.decode(
                AuthorizeBody.self, from: request, limit: gateway.configuration.maxBodyBytes, emptyAs: AuthorizeBody())
            context.note.update { $0.locationId = body.locationId }
            return try JSONResponse.make(
                try await gateway.connections.authorizeLink(locationId: body.locationId, by: .key(principal)),
                status: .created)
        }
        router.delete("/admin/v1/connections/{locationId}") { request, context in
            let principal = try await access.require(
                .connectionsManage, request, context, route: "DELETE /admin/v1/connections/{locationId}")
            let locationId = try context.parameters.require("locationId")
            context.note.update { $0.locationId = locationId }
            try await gateway.connections.remove(locationId: locationId, by: .key(principal))
            await gateway.tokens.forget(locationId)
            return Response(status: .noContent)
        }
        router.get("/oauth/callback") { request, context in
            context.note.update { $0.route = "GET /oauth/callback" }
            let query = request.uri.queryParameters
            if let denied = query["error"] {
                throw GatewayError.badRequest("HighLevel reported '\(denied)' instead of a code. Start again.")
            }
            try await gateway.requireAuditWritable()
            let connection = try await gateway.connections.completeAuthorization(
                code: query["code"].map(String.init), state: query["state"].map(String.init))
            context.note.update { $0.locationId = connection.locationId }
            await gateway.tokens.forget(connection.locationId)
            return try JSONResponse.make(["locationId": connection.locationId, "status": "connected"])
        }
    }
}
