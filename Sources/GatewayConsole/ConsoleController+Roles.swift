import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird

/// `/console/roles`: every role with its scopes, a new role's scopes as checkboxes, deleting a custom role.
extension ConsoleController {
    func rolesPage(
        _ call: ConsoleCall<Context>, problem: FormProblem? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let roles = try await services.roles.list()
        let builtIn = Set(Role.builtIns.map(\.name))
        let rows: [[String: Any]] = roles.map { role in
            var row: [String: Any] = [
                "name": role.name, "scopes": role.scopes.sorted().map(\.rawValue).joined(separator: ", "),
                "builtIn": builtIn.contains(role.name), "custom": !builtIn.contains(role.name),
            ]
            if let problem, problem.row == role.name { row["problem"] = problem.message }
            return row
        }
        let chosen = Set(problem == nil ? [] : call.form.all("scopes"))
        let held = call.principal.role.scopes
        var values: [String: Any] = [
            "roles": rows,
            "scopes": Scope.all.map { scope in
                [
                    "name": scope.rawValue, "checked": chosen.contains(scope.rawValue),
                    "id": "scope-" + scope.rawValue.replacingOccurrences(of: ".", with: "-"),
                    "notHeld": !held.contains(scope),
                ] as [String: Any]
            },
        ]
        if let problem, problem.row == nil {
            values["form"] = Self.echo(call.form, ["name"])
            values["errors"] = [problem.field ?? "form": problem.message]
        }
        return page(call, "roles", title: "Roles", active: "roles", values, status: status)
    }

    func createRole(_ call: ConsoleCall<Context>) async throws -> Response {
        let name = call.form["name"] ?? ""
        do {
            let role = try await services.roles.create(name: name, scopes: call.form.all("scopes"), by: call.actor)
            services.directory.invalidate()
            call.context.noteConsoleAction(by: call.principal, resourceId: role.name, locationId: nil)
            return ConsolePage.redirect(to: "/console/roles")
        } catch let error as GatewayError where error.status < 500 {
            let aboutName = error.status == 409 || !PathIdentifier.isValid(name)
            return try await rolesPage(
                call, problem: .init(field: aboutName ? "name" : "scopes", message: error.detail),
                status: HTTPResponse.Status(code: error.status))
        }
    }

    func deleteRole(_ call: ConsoleCall<Context>) async throws -> Response {
        let name = try call.context.parameters.require("name")
        do {
            try await services.roles.delete(name: name, by: call.actor)
        } catch let error as GatewayError where [400, 403, 409].contains(error.status) {
            return try await rolesPage(
                call, problem: .init(field: nil, message: error.detail, row: name),
                status: HTTPResponse.Status(code: error.status))
        }
        services.directory.invalidate()
        return ConsolePage.redirect(to: "/console/roles")
    }
}
