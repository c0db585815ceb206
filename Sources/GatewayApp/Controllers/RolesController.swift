import Foundation
import GatewayCore
import Hummingbird

/// `/admin/v1/roles`: the same administration as `contacts-gateway roles`, behind the `roles.manage` scope.
struct RolesController {
    let administration: RoleAdministration
    let directory: KeyDirectory
    let maxBody: Int

    private struct CreateBody: Decodable {
        var name: String
        var scopes: [String]
    }

    func addRoutes(to router: some RouterMethods<GatewayContext>) {
        let limit = maxBody
        router.on(.listRoles) { _, _ in
            try JSONResponse.make(["roles": try await administration.list().map(RoleSummary.init)])
        }
        router.on(.createRole) { request, context in
            let body = try await AdminBody.decode(CreateBody.self, from: request, limit: limit)
            let role = try await administration.create(
                name: body.name, scopes: body.scopes, by: .key(try context.requirePrincipal()))
            directory.invalidate()
            return try JSONResponse.make(RoleSummary(role), status: .created)
        }
        router.on(.deleteRole) { _, context in
            try await administration.delete(
                name: try context.parameters.require("name"), by: .key(try context.requirePrincipal()))
            directory.invalidate()
            return Response(status: .noContent)
        }
    }
}
