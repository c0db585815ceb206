import Foundation
import GatewayCore
import Hummingbird

/// `/admin/v1/keys`: the same administration as `contacts-gateway keys`, behind the `keys.manage` scope.
struct KeysController {
    let administration: KeyAdministration
    let directory: KeyDirectory
    let maxBody: Int

    private struct CreateBody: Decodable {
        var name: String
        var role: String
        var locations: [String]?
        var rate: String?
        var burst: Int?
        var expiresIn: String?
    }

    /// A field that is absent stays as it is; `null` unsets locations (every location), rate, burst (the defaults)
    /// and expiresIn (no expiry).
    private struct UpdateBody: Decodable {
        var changes: KeyAdministration.KeyChanges

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case name, role, locations, rate, burst, expiresIn
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func unsettable<T: Decodable>(_ key: CodingKeys) throws -> T?? {
                guard container.contains(key) else { return nil }
                return .some(try container.decodeNil(forKey: key) ? nil : container.decode(T.self, forKey: key))
            }
            changes = KeyAdministration.KeyChanges(
                name: try container.decodeIfPresent(String.self, forKey: .name),
                role: try container.decodeIfPresent(String.self, forKey: .role),
                locations: try unsettable(.locations), rate: try unsettable(.rate), burst: try unsettable(.burst),
                expiresIn: try unsettable(.expiresIn))
        }
    }

    private struct RotateBody: Decodable {
        var grace: String?
    }

    func addRoutes(to router: some RouterMethods<GatewayContext>) {
        let limit = maxBody
        router.on(.listKeys) { _, _ in
            try JSONResponse.make(["keys": try await administration.list().map(KeySummary.init)])
        }
        router.on(.createKey) { request, context in
            let body = try await AdminBody.decode(CreateBody.self, from: request, limit: limit)
            let created = try await administration.create(
                name: body.name, role: body.role, locations: body.locations, rate: body.rate, burst: body.burst,
                expiresIn: body.expiresIn, by: .key(try context.requirePrincipal()))
            directory.invalidate()
            return try JSONResponse.make(created, status: .created)
        }
        router.on(.showKey) { _, context in
            try JSONResponse.make(KeySummary(try await administration.show(id: try context.parameters.require("id"))))
        }
        router.on(.updateKey) { request, context in
            let body = try await AdminBody.decode(UpdateBody.self, from: request, limit: limit)
            let updated = try await administration.update(
                id: try context.parameters.require("id"), body.changes, by: .key(try context.requirePrincipal()))
            directory.invalidate()
            return try JSONResponse.make(KeySummary(updated))
        }
        router.on(.revokeKey) { _, context in
            try await administration.revoke(
                id: try context.parameters.require("id"), by: .key(try context.requirePrincipal()))
            directory.invalidate()
            return Response(status: .noContent)
        }
        router.on(.rotateKey) { request, context in
            let body = try await AdminBody.decode(RotateBody.self, from: request, limit: limit, emptyAs: RotateBody())
            let rotated = try await administration.rotate(
                id: try context.parameters.require("id"), grace: body.grace, by: .key(try context.requirePrincipal()))
            directory.invalidate()
            return try JSONResponse.make(rotated)
        }
    }
}
