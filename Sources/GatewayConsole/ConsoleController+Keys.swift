import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird

/// `/console/keys`: list, create (the secret shown once), rotate with a grace period, revoke.
extension ConsoleController {
    /// A problem with one form, named beside the field it is about (or above the form when it is about none).
    struct FormProblem {
        var field: String?
        var message: String
        /// The row of a per-row form (rotate, revoke, delete).
        var row: String?
    }

    func keysPage(
        _ call: ConsoleCall<Context>, created: KeyAdministration.CreatedKey? = nil, rotated: Bool = false,
        problem: FormProblem? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let now = services.clock.now()
        let keys = try await services.keys.list().sorted { $0.createdAt > $1.createdAt }
        let rows: [[String: Any]] = keys.map { key in
            var row: [String: Any] = [
                "id": key.id, "name": key.name, "role": key.role,
                "locations": key.locations?.joined(separator: ", ") ?? "every location",
                "rate": key.rate.map { "\($0)" + (key.burst.map { ", burst \($0)" } ?? "") } ?? "default",
                "created": ConsoleFormat.time(key.createdAt),
                "lastUsed": key.lastUsedAt.map { ConsoleFormat.relative($0, now: now) } ?? "never",
                "isSelf": key.id == call.principal.keyId,
            ]
            if let revoked = key.revokedAt {
                row["state"] = "revoked \(ConsoleFormat.time(revoked))"
                row["revoked"] = true
            } else if let expires = key.expiresAt, expires <= now {
                row["state"] = "expired \(ConsoleFormat.time(expires))"
                row["revoked"] = true
            } else {
                row["state"] = key.expiresAt.map { "active, expires \(ConsoleFormat.relative($0, now: now))" } ?? "active"
                row["active"] = true
            }
            if let problem, problem.row == key.id { row["problem"] = problem.message }
            return row
        }
        let roles = try await services.roles.list().map(\.name)
        let chosenRole = problem == nil ? nil : call.form["role"]
        var values: [String: Any] = [
            "keys": rows, "hasKeys": !rows.isEmpty,
            "roles": roles.map { ["name": $0, "selected": $0 == (chosenRole ?? "reader")] },
        ]
        if let problem, problem.row == nil {
            values["form"] = Self.echo(call.form, ["name", "locations", "rate", "burst", "expiresIn"])
            values["errors"] = [problem.field ?? "form": problem.message]
        }
        if let created {
            var shown: [String: Any] = [
                "id": created.id, "key": created.key, "name": created.name, "role": created.role, "rotated": rotated,
            ]
            // Mustache shows a section for any value present, an empty string included.
            if let until = created.previousKeyValidUntil { shown["graceUntil"] = ConsoleFormat.time(until) }
            values["created"] = shown
        }
        return page(call, "keys", title: "Keys", active: "keys", values, status: status)
    }

    func createKey(_ call: ConsoleCall<Context>) async throws -> Response {
        let form = call.form
        var burst: Int?
        if let text = form["burst"] {
            guard let parsed = Int(text) else {
                return try await keysPage(
                    call, problem: .init(field: "burst", message: "Burst must be a whole number, such as 20."),
                    status: .badRequest)
            }
            burst = parsed
        }
        let locations = form["locations"].map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        do {
            let created = try await services.keys.create(
                name: form.raw("name") ?? "", role: form["role"] ?? "", locations: locations, rate: form["rate"],
                burst: burst, expiresIn: form["expiresIn"], by: call.actor)
            services.directory.invalidate()
            call.context.noteConsoleAction(by: call.principal, resourceId: created.id, locationId: nil)
            return try await keysPage(call, created: created, status: .created)
        } catch let error as GatewayError where error.status < 500 {
            return try await keysPage(
                call, problem: .init(field: Self.keyField(of: error, form: form), message: error.detail),
                status: HTTPResponse.Status(code: error.status))
        }
    }

    func rotateKey(_ call: ConsoleCall<Context>) async throws -> Response {
        let id = try call.context.parameters.require("id")
        do {
            let rotated = try await services.keys.rotate(id: id, grace: call.form["grace"], by: call.actor)
            services.directory.invalidate()
            return try await keysPage(call, created: rotated, rotated: true)
        } catch let error as GatewayError where [400, 403, 409].contains(error.status) {
            return try await keysPage(
                call, problem: .init(field: "grace", message: error.detail, row: id),
                status: HTTPResponse.Status(code: error.status))
        }
    }

    func revokeKey(_ call: ConsoleCall<Context>) async throws -> Response {
        let id = try call.context.parameters.require("id")
        do {
            try await services.keys.revoke(id: id, by: call.actor)
        } catch let error as GatewayError where [400, 403].contains(error.status) {
            return try await keysPage(
                call, problem: .init(field: nil, message: error.detail, row: id),
                status: HTTPResponse.Status(code: error.status))
        }
        // At once in this process: the next request reads the store again, and a session of this key ends.
        services.directory.invalidate()
        return ConsolePage.redirect(to: "/console/keys")
    }

    /// Which field of the create form a refusal is about, by the core's own rules for each field (the core's message
    /// is shown beside it).
    static func keyField(of error: GatewayError, form: FormFields) -> String? {
        if error.status == 403 {
            return error.detail.contains("limited to") ? "locations" : "role"
        }
        let name = form.raw("name")?.trimmingCharacters(in: .whitespaces) ?? ""
        if name.isEmpty || name.count > 100 || name.contains(where: \.isNewline) { return "name" }
        if error.detail.hasPrefix("Unknown role") { return "role" }
        if let locations = form["locations"], error.detail.hasPrefix("Locations") || locations.isEmpty {
            return "locations"
        }
        if let rate = form["rate"], Rate(rate) == nil { return "rate" }
        if error.detail.hasPrefix("Burst") { return "burst" }
        if let expiry = form["expiresIn"], (DurationText.seconds(expiry) ?? 0) <= 0 { return "expiresIn" }
        return nil
    }

    /// A refused form's values, sent back so nothing typed is lost (never a secret).
    static func echo(_ form: FormFields, _ names: [String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: names.map { ($0, form.raw($0) ?? "") })
    }
}
