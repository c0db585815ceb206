import Foundation
import GatewayCore
import Hummingbird

/// `/admin/v1/roles`: the same administration as `contacts-gateway roles`, behind the `roles.manage` scope.
struct RolesController {
    let gateway: Gateway
    let access: AdminAccess

    private struct CreateBody: Decodable {
        var name: String
        var scopes: [String]
    }

    private var administration: RoleAdministration {
        RoleAdministration(repository: gateway.store, clock: gateway.clock)
    }

    func addRoutes(to router: Router<GatewayContext>) {
        let limit = gateway.configuration.maxBodyBytes
        router.get("/admin/v1/roles") { request, context in
            _ = try await access.require(.rolesManage, request, context, route: "GET /admin/v1/roles")
            return try JSONResponse.make(["roles": try await administration.list().map(RoleSummary.init)])
        }
        router.post("/admin/v1/roles") { request, context in
            let principal = try await access.require(.rolesManage, request, context, route: "POST /admin/v1/roles")
            let body = try await AdminBody.decode(CreateBody.self, from: request, limit: limit)
            let role = try await administration.create(name: body.name, scopes: body.scopes, by: .key(principal))
            gateway.keys.invalidate()
            return try JSONResponse.make(RoleSummary(role), status: .created)
        }
        router.delete("/admin/v1/roles/{name}") { request, context in
            let principal = try await access.require(
                .rolesManage, request, context, route: "DELETE /admin/v1/roles/{name}")
            try await administration.delete(name: try context.parameters.require("name"), by: .key(principal))
            gateway.keys.invalidate()
            return Response(status: .noContent)
        }
    }
}
