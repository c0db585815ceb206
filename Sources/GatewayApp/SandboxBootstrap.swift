import Foundation
import GatewayCore

/// What `serve --sandbox` does on start: connect `loc-sandbox` through the sandbox's real OAuth flow (authorize,
/// callback, code exchange), and make sure there is an admin key to try the gateway with.
public enum SandboxBootstrap {
    public static let locationId = "loc-sandbox"

    /// Runs the authorization code flow against the sandbox, as a browser and the callback would.
    public static func connect(_ gateway: Gateway) async throws -> Connection {
        let link = try await gateway.connections.authorizeLink(locationId: locationId, by: .operator)
        let consent = try await gateway.upstream.send(
            UpstreamRequest(method: "GET", url: link.authorizeUrl + "&locationId=\(locationId)", timeout: .seconds(10)))
        guard (300..<400).contains(consent.status), let location = consent.header("Location"),
            let query = location.split(separator: "?", maxSplits: 1).last.flatMap({ QueryString(raw: String($0)) })
        else {
            throw GatewayError.upstreamUnreachable("the sandbox's authorize page answered \(consent.status) without a redirect")
        }
        return try await gateway.connections.completeAuthorization(
            code: query.value(of: "code"), state: query.value(of: "state"))
    }

    /// A new admin key when the database has none; `nil` when one exists (its secret cannot be shown again).
    public static func ensureAdminKey(_ gateway: Gateway) async throws -> KeyAdministration.CreatedKey? {
        let administration = KeyAdministration(keys: gateway.store, roles: gateway.store, format: gateway.keyFormat, clock: gateway.clock)
        guard try await !administration.hasAdminKey() else { return nil }
        return try await administration.create(name: "sandbox-admin", role: Role.admin.name, by: .operator)
    }
}
