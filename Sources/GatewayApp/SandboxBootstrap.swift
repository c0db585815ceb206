import Foundation
import GatewayCore
import GatewaySettings

/// What `serve --sandbox` does on start: connect `loc-sandbox` through the sandbox's real OAuth flow (authorize,
/// callback, code exchange), and make sure there is an admin key to try the gateway with.
public enum SandboxBootstrap {
    public static let locationId = "loc-sandbox"

    /// Runs the authorization code flow against the sandbox, as a browser and the callback would.
    public static func connect(_ gateway: Gateway, locationId: String = locationId) async throws -> Connection {
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
        guard try await !gateway.keyAdministration.hasAdminKey() else { return nil }
        return try await gateway.keyAdministration.create(name: "sandbox-admin", role: Role.admin.name, by: .operator)
    }

    /// Connects the sandbox's location and says how to try the gateway: with a new admin key, printed this once.
    /// - Parameter port: the port the gateway is bound to (the listen address may have asked for 0).
    static func introduce(_ gateway: Gateway, port: Int, say: @Sendable (String) -> Void) async throws {
        let locations = gateway.settings.sandboxLocations
        let first = locations.first ?? locationId
        _ = try await connect(gateway, locationId: first)
        let database = gateway.settings.database
        if locations.count > 1 {
            say("""
                Location \(first) is connected. Connect the others (\(locations.dropFirst().joined(separator: ", "))) \
                as with HighLevel: contacts-gateway connections authorize-url --database \(database), then open the \
                address it prints.
                """)
        }
        guard let key = try await ensureAdminKey(gateway) else {
            say("This database already has an admin key (its secret was shown when it was made). Another: "
                + "contacts-gateway keys create --database \(gateway.settings.database) --role admin --name <you>")
            return
        }
        let address = "http://\(gateway.settings.listen.host):\(port)"
        say("""
            An admin key was created for this database. It is shown only now:

                \(key.key)

            Try it:

                curl -s -H 'Authorization: Bearer \(key.key)' \(address)/contacts/search \\
                     -H 'Content-Type: application/json' -d '{"locationId":"\(first)","pageLimit":5}'
                curl -s -H 'Authorization: Bearer \(key.key)' '\(address)/contacts/?locationId=\(first)'

            """)
    }
}
