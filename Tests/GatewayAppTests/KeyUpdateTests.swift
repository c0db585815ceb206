import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

extension FirstHour {
    /// Issue 19, item 4: a key's role, locations, rate, burst, expiry and name change without a new secret, over
    /// `PATCH /admin/v1/keys/{id}` and `keys update`, and never past what the acting key holds (issue 20's rule).
    @Suite struct KeyUpdateTests {
        @Test func patchChangesAKeyAndItsNewRoleWorksAtOnce() async throws {
            try await withGateway { gw in
                let target = try await gw.makeKey(role: "reader", name: "report-bot")
                let write = #"{"locationId":"loc-sandbox","firstName":"Pat"}"#
                #expect(try await gw.call("POST", "/contacts/", key: target.key, json: write).status == 403)

                let patched = try await gw.call(
                    "PATCH", "/admin/v1/keys/\(target.id)", key: gw.adminKey,
                    json: #"{"role":"editor","locations":["loc-sandbox"],"rate":"5/s","burst":7,"expiresIn":"30d","name":"crm-sync"}"#)
                #expect(patched.status == 200, "\(patched.text)")
                let body = try patched.json()
                #expect(body["role"] as? String == "editor" && body["name"] as? String == "crm-sync")
                #expect(body["locations"] as? [String] == ["loc-sandbox"] && body["rate"] as? String == "5/s")
                #expect(body["burst"] as? Int == 7 && body["expiresAt"] is String && body["key"] == nil)
                // The same secret, now an editor's.
                #expect(try await gw.call("POST", "/contacts/", key: target.key, json: write).status == 201)

                // null unsets; absent leaves as it is.
                let unset = try await gw.call(
                    "PATCH", "/admin/v1/keys/\(target.id)", key: gw.adminKey,
                    json: #"{"locations":null,"rate":null,"burst":null,"expiresIn":null}"#)
                let after = try unset.json()
                #expect(unset.status == 200 && after["locations"] == nil && after["rate"] == nil && after["expiresAt"] == nil, "\(unset.text)")
                #expect(after["role"] as? String == "editor" && after["name"] as? String == "crm-sync")

                // Bad input: one clear problem each, nothing changed.
                try await gw.call("PATCH", "/admin/v1/keys/\(target.id)", key: gw.adminKey, json: "{}")
                    .expectProblem(400, containing: "Nothing to change")
                try await gw.call("PATCH", "/admin/v1/keys/\(target.id)", key: gw.adminKey, json: #"{"burst":-3}"#)
                    .expectProblem(400, containing: "Burst must be at least 1")
                try await gw.call("PATCH", "/admin/v1/keys/\(target.id)", key: gw.adminKey, json: #"{"role":"wizard"}"#)
                    .expectProblem(400, containing: "Unknown role 'wizard'")
                try await gw.call("PATCH", "/admin/v1/keys/\(target.id)", key: gw.adminKey, json: #"{"rate":"fast"}"#)
                    .expectProblem(400, containing: "Rate 'fast'")
                try await gw.call("PATCH", "/admin/v1/keys/nosuchkey123", key: gw.adminKey, json: #"{"name":"x"}"#)
                    .expectProblem(404, containing: "No key with id")
                #expect(try await gw.call("DELETE", "/admin/v1/keys/\(target.id)", key: gw.adminKey).status == 204)
                try await gw.call("PATCH", "/admin/v1/keys/\(target.id)", key: gw.adminKey, json: #"{"name":"x"}"#)
                    .expectProblem(409, containing: "revoked")
                // A reader has no keys.manage.
                try await gw.call("PATCH", "/admin/v1/keys/\(target.id)", key: gw.readerKey, json: #"{"name":"x"}"#)
                    .expectProblem(403, containing: "keys.manage")
            }
        }

        @Test func aKeyCannotWidenItselfOrAnotherBeyondItsAuthority() async throws {
            try await withGateway { gw in
                _ = try await RoleAdministration(repository: gw.store).create(
                    name: "keymaster", scopes: ["keys.manage", "contacts.readonly"], by: .operator)
                let attacker = try await gw.makeKey(role: "keymaster", locations: ["locA"])
                let other = try await gw.makeKey(role: "reader", locations: ["locA"])
                func patch(_ id: String, _ json: String) async throws -> CurlResponse {
                    try await gw.call("PATCH", "/admin/v1/keys/\(id)", key: attacker.key, json: json)
                }
                func expectBeyondAuthority(_ response: CurlResponse, _ fragment: String) throws {
                    try response.expectProblem(403, containing: fragment)
                    #expect((try response.json()["type"] as? String)?.hasSuffix("beyond-authority") == true, "\(response.text)")
                }
                // Its own role widened to admin, its own locations to every one or to more.
                try expectBeyondAuthority(try await patch(attacker.id, #"{"role":"admin"}"#), "lacks")
                try expectBeyondAuthority(try await patch(attacker.id, #"{"locations":null}"#), "for every location")
                try expectBeyondAuthority(try await patch(attacker.id, #"{"locations":["locA","locB"]}"#), "for locB")
                // Another key widened past it.
                try expectBeyondAuthority(try await patch(other.id, #"{"role":"editor"}"#), "'contacts.write'")
                try expectBeyondAuthority(try await patch(other.id, #"{"locations":["locA","locB"]}"#), "for locB")
                // A key it has no authority over, even for a harmless change.
                let adminId = try #require(gw.adminKey.split(separator: "_").dropFirst().first.map(String.init))
                try expectBeyondAuthority(try await patch(adminId, #"{"name":"renamed"}"#), "change key '\(adminId)'")
                // Nothing changed.
                let stored = try #require(try await gw.store.key(id: attacker.id))
                #expect(stored.role == "keymaster" && stored.locations == ["locA"])
                #expect(try await gw.store.key(id: other.id)?.locations == ["locA"])
                #expect(try await gw.store.key(id: adminId)?.name == "test-admin")
                // Within what it holds: allowed (a rename, a narrower rate).
                let allowed = try await patch(other.id, #"{"name":"renamed","rate":"1/s"}"#)
                #expect(allowed.status == 200, "\(allowed.text)")
            }
        }

        @Test func keysUpdateOnTheCommandLine() async throws {
            try await withGateway { gw in
                let target = try await gw.makeKey(role: "reader", locations: ["loc-sandbox"], rate: "5/s", expiresIn: "1d")
                let database = gw.database
                let changed = try await CLI.json(
                    ["keys", "update", target.id, "--role", "editor", "--locations", "all", "--rate", "default",
                     "--burst", "9", "--expires-in", "never", "--name", "nightly"], database: database)
                #expect(changed["role"] as? String == "editor" && changed["name"] as? String == "nightly")
                #expect(changed["locations"] == nil && changed["rate"] == nil && changed["expiresAt"] == nil)
                #expect(changed["burst"] as? Int == 9)
                // A running server sees it within a second.
                let seconds = try await gw.staleFor(
                    201, "POST", "/contacts/", key: target.key, json: #"{"locationId":"loc-sandbox","firstName":"Q"}"#)
                #expect(seconds != nil && seconds! < 1.5, "\(String(describing: seconds))")

                // `--burst -3` is read as the number it is, and refused as such, in one line.
                CLI.expectFailure(
                    try await CLI.run(["keys", "update", target.id, "--burst", "-3"], database: database),
                    containing: "Burst must be at least 1")
                CLI.expectFailure(
                    try await CLI.run(["keys", "create", "--name", "x", "--role", "reader", "--burst", "-3"], database: database),
                    containing: "Burst must be at least 1")
                CLI.expectFailure(
                    try await CLI.run(["keys", "update", target.id, "--burst", "lots"], database: database),
                    containing: "not a whole number")
                CLI.expectFailure(try await CLI.run(["keys", "update", target.id], database: database), containing: "Nothing to change")
                CLI.expectFailure(
                    try await CLI.run(["keys", "update", "nosuchkey123", "--name", "x"], database: database),
                    containing: "No key with id")
            }
        }
    }
}
