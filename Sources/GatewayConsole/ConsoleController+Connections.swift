import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird

/// `/console/connections`: each location's state, the button that starts the OAuth connection, a private
/// integration token, removing a connection.
extension ConsoleController {
    func connectionRows(_ call: ConsoleCall<Context>, problem: FormProblem? = nil) async throws -> [[String: Any]] {
        let now = services.clock.now()
        return try await services.connections.list(by: call.actor).map { connection in
            var row: [String: Any] = [
                "locationId": connection.locationId,
                "kind": connection.kind == .oauth ? "OAuth" : "private integration token",
                "needsAuthorization": connection.status == .needsAuthorization,
                "statusDetail": connection.statusDetail ?? "",
            ]
            if connection.status == .needsAuthorization {
                row["state"] = "needs authorization"
            } else if let expires = connection.accessTokenExpiresAt {
                row["state"] = expires > now ? "active" : "token expired, refreshed on next call"
            } else {
                row["state"] = "active"
            }
            row["tokenExpiry"] =
                connection.accessTokenExpiresAt.map {
                    "\(ConsoleFormat.time($0)) (\(ConsoleFormat.relative($0, now: now)))"
                } ?? "does not expire"
            if let limit = services.upstreamLimit {
                // Before a location's first call its window is whole.
                let left = services.upstreamBudget(connection.locationId) ?? limit.count
                row["budget"] = "\(left) of \(limit)"
            } else {
                row["budget"] = "not shaped"
            }
            let breaker = ConsoleFormat.breaker(services.upstreamBreaker(connection.locationId))
            row["breaker"] = breaker.text
            if breaker.failing { row["breakerOpen"] = true }
            if let problem, problem.row == connection.locationId { row["problem"] = problem.message }
            return row
        }
    }

    func connectionsPage(
        _ call: ConsoleCall<Context>, problem: FormProblem? = nil, link: ConnectionAdministration.AuthorizeLink? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let rows = try await connectionRows(call, problem: problem)
        var values: [String: Any] = ["connections": rows, "hasConnections": !rows.isEmpty]
        if let problem, problem.row == nil, let field = problem.field {
            // Two forms on the page: the problem goes to the one that was sent.
            if field.hasPrefix("authorize") {
                values["authorizeForm"] = Self.echo(call.form, ["locationId"])
            } else {
                var echoed: [String: Any] = Self.echo(call.form, ["locationId"])
                echoed["replace"] = call.form.raw("replace") == "on"
                echoed["noVerify"] = call.form.raw("noVerify") == "on"
                values["tokenForm"] = echoed
            }
            values["errors"] = [field: problem.message]
        }
        if let link {
            var shown = ["url": link.authorizeUrl, "expires": ConsoleFormat.time(link.expiresAt)]
            if let locationId = call.form["locationId"] { shown["locationId"] = locationId }
            values["link"] = shown
        }
        return page(call, "connections", title: "Connections", active: "connections", values, status: status)
    }

    /// The address of HighLevel's consent screen, shown as a link to follow (not a redirect: the console's policy
    /// lets forms lead only back to the gateway).
    func authorize(_ call: ConsoleCall<Context>) async throws -> Response {
        do {
            let link = try await services.connections.authorizeLink(
                locationId: call.form["locationId"], by: call.actor)
            call.context.noteConsoleAction(by: call.principal, resourceId: nil, locationId: call.form["locationId"])
            return try await connectionsPage(call, link: link, status: .created)
        } catch let error as GatewayError where error.status < 500 {
            return try await connectionsPage(
                call, problem: .init(field: "authorizeLocationId", message: error.detail),
                status: HTTPResponse.Status(code: error.status))
        }
    }

    func addToken(_ call: ConsoleCall<Context>) async throws -> Response {
        let locationId = call.form["locationId"] ?? ""
        call.context.noteConsoleAction(by: call.principal, resourceId: nil, locationId: locationId)
        do {
            // Checked once, by the administration, as for the CLI and POST /admin/v1/connections: the location's
            // form and the key's authority over it, the token, HighLevel's word on it unless the form says HighLevel
            // cannot be reached, and an existing connection replaced only when the form asks.
            _ = try await services.connections.addPrivateToken(
                locationId: locationId, token: call.form.raw("token") ?? "",
                replace: call.form.raw("replace") == "on", verify: call.form.raw("noVerify") != "on", by: call.actor)
            await services.forgetTokens(locationId)
            return ConsolePage.redirect(to: "/console/connections")
        } catch let error as GatewayError where error.status < 500 || error.status == 502 {
            let field = PathIdentifier.isValid(locationId) && [400, 502].contains(error.status) ? "token" : "tokenLocationId"
            return try await connectionsPage(
                call, problem: .init(field: field, message: error.detail),
                status: HTTPResponse.Status(code: error.status))
        }
    }

    func removeConnection(_ call: ConsoleCall<Context>) async throws -> Response {
        let locationId = try call.context.parameters.require("locationId")
        do {
            try await services.connections.remove(locationId: locationId, by: call.actor)
        } catch let error as GatewayError where [403, 404].contains(error.status) {
            return try await connectionsPage(
                call, problem: .init(field: nil, message: error.detail, row: locationId),
                status: HTTPResponse.Status(code: error.status))
        }
        await services.forgetTokens(locationId)
        return ConsolePage.redirect(to: "/console/connections")
    }
}
