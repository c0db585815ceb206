import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import Testing

/// The privilege-escalation attacks of issue 20, each tried through the admin API: a key reaches no further than what
/// it holds itself.
@Suite struct AdministrativeAuthorityTests {
    /// A role of its own for each attacker, made by the operator (the CLI's path).
    private func role(_ gw: TestGateway, _ name: String, _ scopes: [String]) async throws {
        _ = try await RoleAdministration(repository: gw.store).create(name: name, scopes: scopes, by: .operator)
    }

    @Test func aKeyManagerCannotMintOrTakeOverKeysBeyondItsScopesAndLocations() async throws {
        try await withGateway { gw in
            try await role(gw, "keymaster", ["keys.manage"])
            let attacker = try await gw.makeKey(role: "keymaster", locations: ["locA"]).key
            func post(_ path: String, _ body: String = "") async throws -> CurlResponse {
                try await gw.call("POST", path, key: attacker, json: body)
            }
            // The attack as found: an admin key with no location limit.
            try await post("/admin/v1/keys", #"{"name":"x","role":"admin"}"#)
                .expectProblem(403, containing: "create a key with role 'admin'")
            try await post("/admin/v1/keys", #"{"name":"x","role":"admin","locations":["locA"]}"#)
                .expectProblem(403, containing: "'audit.read'")
            // Scopes it lacks, whatever the locations.
            try await post("/admin/v1/keys", #"{"name":"x","role":"reader","locations":["locA"]}"#)
                .expectProblem(403, containing: "lacks 'contacts.readonly'")
            // Its own kind, but wider locations.
            try await post("/admin/v1/keys", #"{"name":"x","role":"keymaster"}"#)
                .expectProblem(403, containing: "for every location")
            try await post("/admin/v1/keys", #"{"name":"x","role":"keymaster","locations":["locA","locB"]}"#)
                .expectProblem(403, containing: "for locB")
            // Within what it holds: allowed.
            let allowed = try await post("/admin/v1/keys", #"{"name":"deputy","role":"keymaster","locations":["locA"]}"#)
            #expect(allowed.status == 201, "\(allowed.text)")
            let deputy = try #require(try allowed.json()["id"] as? String)

            // Taking over another admin's key by rotating it (the new secret comes back to the caller), or revoking it.
            let adminId = try #require(gw.adminKey.split(separator: "_").dropFirst().first.map(String.init))
            try await post("/admin/v1/keys/\(adminId)/rotate").expectProblem(403, containing: "rotate key '\(adminId)'")
            try await gw.call("DELETE", "/admin/v1/keys/\(adminId)", key: attacker)
                .expectProblem(403, containing: "revoke key '\(adminId)'")
            // A key of a lesser role but of every location is beyond it too.
            let wide = try await gw.makeKey(role: "keymaster")
            try await post("/admin/v1/keys/\(wide.id)/rotate").expectProblem(403, containing: "for every location")
            // The admin key still works as before: nothing was changed by the refused calls.
            #expect(try await gw.call("GET", "/admin/v1/keys", key: gw.adminKey).status == 200)
            #expect(try await gw.call(AccessTests.read.0, AccessTests.read.1, key: wide.key).status == 403)
            // What it may act on, it may: rotate and revoke the deputy it made.
            #expect(try await post("/admin/v1/keys/\(deputy)/rotate").status == 200)
            #expect(try await gw.call("DELETE", "/admin/v1/keys/\(deputy)", key: attacker).status == 204)
            // Every refusal is in the trail, under the attacker's key, as denied.
            let trail = try await gw.call("GET", "/admin/v1/audit?outcome=denied&limit=100", key: gw.adminKey).json()
            let denied = try #require(trail["records"] as? [[String: Any]])
            #expect(denied.filter { $0["keyName"] as? String == "test-key" }.count >= 8)
        }
    }

    @Test func aRoleManagerCannotCreateOrDeleteRolesBeyondItsScopes() async throws {
        try await withGateway { gw in
            try await role(gw, "rolesmith", ["roles.manage", "contacts.readonly"])
            let attacker = try await gw.makeKey(role: "rolesmith").key
            let every = Scope.all.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
            try await gw.call("POST", "/admin/v1/roles", key: attacker, json: #"{"name":"god","scopes":[\#(every)]}"#)
                .expectProblem(403, containing: "create role 'god'")
            try await gw.call("POST", "/admin/v1/roles", key: attacker, json: #"{"name":"w","scopes":["contacts.write"]}"#)
                .expectProblem(403, containing: "lacks 'contacts.write'")
            let listed = try await gw.call("GET", "/admin/v1/roles", key: gw.adminKey).text
            #expect(!listed.contains("\"god\"") && !listed.contains("\"w\""))
            let subset = try await gw.call(
                "POST", "/admin/v1/roles", key: attacker, json: #"{"name":"viewer","scopes":["contacts.readonly"]}"#)
            #expect(subset.status == 201, "\(subset.text)")
            // Deleting a role it could not have made is refused too.
            try await role(gw, "auditors2", ["audit.read"])
            try await gw.call("DELETE", "/admin/v1/roles/auditors2", key: attacker)
                .expectProblem(403, containing: "delete role 'auditors2'")
            #expect(try await gw.call("DELETE", "/admin/v1/roles/viewer", key: attacker).status == 204)
        }
    }

    @Test func aConnectionManagerActsOnlyOnItsOwnLocations() async throws {
        try await withGateway { gw in
            try await role(gw, "connector", ["connections.manage"])
            let attacker = try await gw.makeKey(role: "connector", locations: ["locA"]).key
            try await gw.call("DELETE", "/admin/v1/connections/\(TestGateway.location)", key: attacker)
                .expectProblem(403, containing: "limited to locA")
            #expect(try await gw.storedConnection().status == .active)
            let listed = try await gw.call("GET", "/admin/v1/connections", key: attacker)
            #expect(listed.status == 200 && !listed.text.contains(TestGateway.location), "\(listed.text)")
            // An authorization bound to no location could connect, and replace, any location.
            try await gw.call("POST", "/admin/v1/connections/authorize", key: attacker)
                .expectProblem(403, containing: "for every location")
            try await gw.call(
                "POST", "/admin/v1/connections/authorize", key: attacker, json: #"{"locationId":"loc-sandbox"}"#
            ).expectProblem(403, containing: "for loc-sandbox")
            let own = try await gw.call(
                "POST", "/admin/v1/connections/authorize", key: attacker, json: #"{"locationId":"locA"}"#)
            #expect(own.status == 201, "\(own.text)")
        }
    }

    @Test func aStateBoundToALocationRefusesACodeForAnother() async throws {
        try await withGateway(.init(connect: false, sandboxLocations: ["loc-sandbox", "loc-two"])) { gw in
            let issued = try await gw.call(
                "POST", "/admin/v1/connections/authorize", key: gw.adminKey, json: #"{"locationId":"loc-two"}"#)
            #expect(issued.status == 201, "\(issued.text)")
            let address = try #require(try issued.json()["authorizeUrl"] as? String)
            // The admin picks the wrong location on HighLevel's page.
            let consent = try await gw.client.execute(CurlRequest(method: "GET", url: address + "&locationId=loc-sandbox"))
            let query = try #require(consent.header("Location")?.split(separator: "?").last)
            try await gw.call("GET", "/oauth/callback?\(query)", key: nil)
                .expectProblem(400, containing: "started for location 'loc-two'")
            #expect(try await gw.store.connections().isEmpty)

            // Bound and matched: connected.
            let again = try await gw.gateway.connections.authorizeLink(locationId: "loc-two", by: .operator)
            let right = try await gw.client.execute(CurlRequest(method: "GET", url: again.authorizeUrl + "&locationId=loc-two"))
            let good = try #require(right.header("Location")?.split(separator: "?").last)
            let callback = try await gw.call("GET", "/oauth/callback?\(good)", key: nil)
            #expect(callback.status == 200, "\(callback.text)")
            #expect(try await gw.store.connection(locationId: "loc-two") != nil)
            try await gw.call("POST", "/admin/v1/connections/authorize", key: gw.adminKey, json: #"{"locationId":"../x"}"#)
                .expectProblem(400, containing: "location id")
        }
    }

    @Test func theStoreHoldsOnlyTheHashOfAState() async throws {
        try await withGateway(.init(connect: false)) { gw in
            let link = try await gw.gateway.connections.authorizeLink(by: .operator)
            let file = try Data(contentsOf: URL(fileURLWithPath: gw.directory.appendingPathComponent("gateway.sqlite").path))
            let wal = (try? Data(contentsOf: URL(fileURLWithPath: gw.directory.appendingPathComponent("gateway.sqlite-wal").path))) ?? Data()
            #expect(file.range(of: Data(link.state.utf8)) == nil && wal.range(of: Data(link.state.utf8)) == nil)
            #expect((file + wal).range(of: Data(AuthorizationState.hash(link.state).utf8)) != nil)
        }
    }
}
