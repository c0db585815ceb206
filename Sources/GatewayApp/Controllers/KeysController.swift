import Foundation
import GatewayCore
import Hummingbird

/// `/admin/v1/keys`: the same administration as `contacts-gateway keys`, behind the `keys.manage` scope.
struct KeysController {
    let gateway: Gateway
    let access: AdminAccess

    private struct CreateBody: Decodable {
        var name: String
        var role: String
        var locations: [String]?
        var rate: String?
        var burst: Int?
        var expiresIn: String?
    }

    private struct RotateBody: Decodable {
        var grace: String?
    }

    private var administration: KeyAdministration {
        KeyAdministration(keys: gateway.store, roles: gateway.store, format: gateway.keyFormat, clock: gateway.clock)
    }

    func addRoutes(to router: Router<GatewayContext>) {
        let limit = gateway.configuration.maxBodyBytes
        router.get("/admin/v1/keys") { request, context in
            _ = try await access.require(.keysManage, request, context, route: "GET /admin/v1/keys")
            return try JSONResponse.make(["keys": try await administration.list().map(KeySummary.init)])
        }
        router.post("/admin/v1/keys") { request, context in
            let principal = try await access.require(.keysManage, request, context, route: "POST /admin/v1/keys")
            let body = try await AdminBody.decode(CreateBody.self, from: request, limit: limit)
            let created = try await administration.create(
                name: body.name, role: body.role, locations: body.locations, rate: body.rate, burst: body.burst,
                expiresIn: body.expiresIn, by: .key(principal))
            gateway.keys.invalidate()
            return try JSONResponse.make(created, status: .created)
        }
        router.get("/admin/v1/keys/{id}") { request, context in
            _ = try await access.require(.keysManage, request, context, route: "GET /admin/v1/keys/{id}")
            let id = try context.parameters.require("id")
            return try JSONResponse.make(KeySummary(try await administration.show(id: id)))
        }
        router.delete("/admin/v1/keys/{id}") { request, context in
            let principal = try await access.require(.keysManage, request, context, route: "DELETE /admin/v1/keys/{id}")
            try await administration.revoke(id: try context.parameters.require("id"), by: .key(principal))
            gateway.keys.invalidate()
            return Response(status: .noContent)
        }
        router.post("/admin/v1/keys/{id}/rotate") { request, context in
            let principal = try await access.require(
                .keysManage, request, context, route: "POST /admin/v1/keys/{id}/rotate")
            let body = try await AdminBody.decode(RotateBody.self, from: request, limit: limit, emptyAs: RotateBody())
            let rotated = try await administration.rotate(
                id: try context.parameters.require("id"), grace: body.grace, by: .key(principal))
            gateway.keys.invalidate()
            return try JSONResponse.make(rotated)
        }
    }
}
