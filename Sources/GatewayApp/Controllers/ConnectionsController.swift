import GatewayCore
import Hummingbird

/// `/admin/v1/connections`, behind `connections.manage`.
struct ConnectionsController {
    let connections: ConnectionAdministration
    let tokens: TokenBroker
    let maxBody: Int

    private struct AuthorizeBody: Decodable {
        var locationId: String?
    }

    private struct PrivateTokenBody: Decodable {
        var locationId: String
        var token: String
        var replace: Bool?
        var verify: Bool?
    }

    func addRoutes(to router: some RouterMethods<GatewayContext>) {
        let limit = maxBody
        router.on(.listConnections) { _, context in
            let all = try await connections.list(by: .key(try context.requirePrincipal()))
            return try JSONResponse.make(["connections": all.map(ConnectionSummary.init)])
        }
        router.on(.addConnection) { request, context in
            let body = try await AdminBody.decode(PrivateTokenBody.self, from: request, limit: limit)
            context.note.update { $0.locationId = body.locationId }
            let connection = try await connections.addPrivateToken(
                locationId: body.locationId, token: body.token, replace: body.replace ?? false,
                verify: body.verify ?? true, by: .key(try context.requirePrincipal()))
            await tokens.forget(body.locationId)
            return try JSONResponse.make(ConnectionSummary(connection), status: .created)
        }
        router.on(.authorizeConnection) { request, context in
            let body = try await AdminBody.decode(AuthorizeBody.self, from: request, limit: limit, emptyAs: AuthorizeBody())
            context.note.update { $0.locationId = body.locationId }
            return try JSONResponse.make(
                try await connections.authorizeLink(locationId: body.locationId, by: .key(try context.requirePrincipal())),
                status: .created)
        }
        router.on(.removeConnection) { _, context in
            let locationId = try context.parameters.require("locationId")
            context.note.update { $0.locationId = locationId }
            try await connections.remove(locationId: locationId, by: .key(try context.requirePrincipal()))
            await tokens.forget(locationId)
            return Response(status: .noContent)
        }
    }
}
