import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import Testing

/// Keys, roles, scopes and locations, through real HTTP and the real CLI binary.
@Suite struct AccessTests {
    static let read = ("GET", "/contacts/?locationId=\(TestGateway.location)", nil as String?)
    static let write = ("POST", "/contacts/", #"{"locationId":"loc-sandbox","firstName":"Grace"}"# as String?)

    @Test func everyRoleAgainstAReadAndAWriteRoute() async throws {
        try await withGateway { gw in
            _ = try await RoleAdministration(repository: gw.store).create(
                name: "viewer", scopes: ["contacts.readonly", "audit.read"], by: .operator)
            // role, read status, write status; a 403 names the missing scope.
            let expected: [(String, Int, Int)] = [
                ("reader", 200, 403), ("editor", 200, 201), ("auditor", 403, 403), ("admin", 200, 201), ("viewer", 200, 403),
            ]
            for (role, readStatus, writeStatus) in expected {
                let key = try await gw.makeKey(role: role).key
                let read = try await gw.call(Self.read.0, Self.read.1, key: key)
                let write = try await gw.call(Self.write.0, Self.write.1, key: key, json: Self.write.2)
                if readStatus == 403 {
                    try read.expectProblem(403, containing: "'contacts.readonly'")
                } else {
                    #expect(read.status == readStatus, "\(role) read: \(read.text)")
                }
                if writeStatus == 403 {
                    try write.expectProblem(403, containing: "'contacts.write'")
                } else {
                    #expect(write.status == writeStatus, "\(role) write: \(write.text)")
                }
            }
            // Admin routes need their own scopes.
            try await gw.call("GET", "/admin/v1/keys", key: gw.readerKey).expectProblem(403, containing: "'keys.manage'")
            try await gw.call("GET", "/admin/v1/roles", key: gw.editorKey).expectProblem(403, containing: "'roles.manage'")
            #expect(try await gw.call("GET", "/admin/v1/roles", key: gw.adminKey).status == 200)
        }
    }

    @Test func locationLimitsRefuseOtherLocations() async throws {
        try await withGateway { gw in
            let elsewhere = try await gw.makeKey(role: "editor", locations: ["loc-other"]).key
            try await gw.call("GET", "/contacts/?locationId=loc-sandbox", key: elsewhere)
                .expectProblem(403, containing: "loc-sandbox")
            try await gw.call("POST", "/contacts/", key: elsewhere, json: Self.write.2!)
                .expectProblem(403, containing: "loc-sandbox")
            let here = try await gw.makeKey(role: "editor", locations: ["loc-sandbox", "loc-other"]).key
            #expect(try await gw.call("GET", "/contacts/?locationId=loc-sandbox", key: here).status == 200)
            // A key limited to one location acts there without naming it.
            let contact = try await gw.call("POST", "/contacts/", key: here, json: Self.write.2!).json()
            let contactId = try #require((contact["contact"] as? [String: Any])?["id"] as? String)
            let only = try await gw.makeKey(role: "reader", locations: ["loc-sandbox"]).key
            let fetched = try await gw.call("GET", "/contacts/\(contactId)", key: only)
            #expect(fetched.status == 200, "\(fetched.text)")
        }
    }

    @Test func anExpiredKeyIsRefused() async throws {
        try await withGateway { gw in
            // Four seconds, so a loaded machine still makes the first call before expiry.
            let key = try await gw.makeKey(role: "reader", expiresIn: "4s").key
            #expect(try await gw.call(Self.read.0, Self.read.1, key: key).status == 200)
            try await Task.sleep(for: .milliseconds(4100))
            try await gw.call(Self.read.0, Self.read.1, key: key).expectProblem(401, containing: "expired")
        }
    }

    @Test func revocationByTheCLIReachesTheRunningServerWithinOneSecond() async throws {
        try await withGateway { gw in
            let created = try await gw.makeKey(role: "reader")
            #expect(try await gw.call(Self.read.0, Self.read.1, key: created.key).status == 200)
            let revoked = try await CLI.json(["keys", "revoke", created.id], database: gw.database)
            #expect(revoked["status"] as? String == "revoked")
            let seconds = try #require(try await gw.staleFor(401, Self.read.0, Self.read.1, key: created.key))
            // The server's view is at most one second old: no call sent later than that still got through.
            #expect(seconds <= 1.2, "still served \(seconds) s after the revocation")
            try await gw.call(Self.read.0, Self.read.1, key: created.key).expectProblem(401, containing: "revoked")
            let shown = try await CLI.json(["keys", "show", created.id], database: gw.database)
            #expect(shown["revoked"] as? Bool == true)
        }
    }

    @Test func rotationWithoutGraceStopsTheOldSecretAtOnce() async throws {
        try await withGateway { gw in
            let created = try await gw.makeKey(role: "reader")
            let response = try await gw.call("POST", "/admin/v1/keys/\(created.id)/rotate", key: gw.adminKey)
            #expect(response.status == 200, "\(response.text)")
            let rotated = try response.json()
            let newKey = try #require(rotated["key"] as? String)
            #expect(rotated["id"] as? String == created.id)
            #expect(newKey != created.key && newKey.hasPrefix("cgw_\(created.id)_"))
            try await gw.call(Self.read.0, Self.read.1, key: created.key).expectProblem(401)
            #expect(try await gw.call(Self.read.0, Self.read.1, key: newKey).status == 200)
        }
    }

    @Test func rotationWithGraceKeepsBothSecretsUntilItEnds() async throws {
        try await withGateway { gw in
            let created = try await gw.makeKey(role: "reader")
            let response = try await gw.call(
                "POST", "/admin/v1/keys/\(created.id)/rotate", key: gw.adminKey, json: #"{"grace":"4s"}"#)
            #expect(response.status == 200, "\(response.text)")
            let rotated = try response.json()
            let newKey = try #require(rotated["key"] as? String)
            let validUntil = try #require((rotated["previousKeyValidUntil"] as? String).flatMap(ISOTime.parse))
            // Four seconds, so that a loaded machine still makes these calls within the grace (a CI run did not in 2).
            let old = try await gw.call(Self.read.0, Self.read.1, key: created.key)
            #expect(old.status == 200 || Date() >= validUntil, "\(old.status) \(old.text)")
            #expect(try await gw.call(Self.read.0, Self.read.1, key: newKey).status == 200)
            let shown = try await gw.call("GET", "/admin/v1/keys/\(created.id)", key: gw.adminKey).json()
            #expect(shown["previousKeyValidUntil"] is String)
            try await Task.sleep(for: .seconds(max(0, validUntil.timeIntervalSinceNow)) + .milliseconds(100))
            try await gw.call(Self.read.0, Self.read.1, key: created.key).expectProblem(401)
            #expect(try await gw.call(Self.read.0, Self.read.1, key: newKey).status == 200)

            // The CLI rotates the same way, and the running server takes the new secret within a second.
            let cli = try await CLI.json(["keys", "rotate", created.id, "--grace", "1h"], database: gw.database)
            let cliKey = try #require(cli["key"] as? String)
            #expect(cli["previousKeyValidUntil"] is String)
            let seconds = try await gw.staleFor(200, Self.read.0, Self.read.1, key: cliKey)
            #expect(seconds.map { $0 <= 1.2 } == true, "\(String(describing: seconds))")
            #expect(try await gw.call(Self.read.0, Self.read.1, key: newKey).status == 200)
            let list = try await CLI.run(["keys", "list", "--output", "json"], database: gw.database)
            #expect(!list.stdout.contains(cliKey) && !list.stdout.contains(newKey))
            let badGrace = try await CLI.run(["keys", "rotate", created.id, "--grace", "soon"], database: gw.database)
            CLI.expectFailure(badGrace, containing: "Grace 'soon'")
            let unknown = try await CLI.run(["keys", "rotate", "nosuchkey000"], database: gw.database)
            CLI.expectFailure(unknown, containing: "No key with id")
        }
    }

    @Test func customRolesThroughTheCLIReachTheRunningServer() async throws {
        try await withGateway { gw in
            let role = try await CLI.json(
                ["roles", "create", "support", "--scopes", "contacts.readonly"], database: gw.database)
            #expect(role["name"] as? String == "support")
            #expect(role["scopes"] as? [String] == ["contacts.readonly"])
            let created = try await CLI.json(
                ["keys", "create", "--name", "helpdesk", "--role", "support"], database: gw.database)
            let key = try #require(created["key"] as? String)
            let seconds = try await gw.staleFor(200, Self.read.0, Self.read.1, key: key)
            #expect(seconds.map { $0 <= 1.2 } == true, "\(String(describing: seconds))")
            try await gw.call(Self.write.0, Self.write.1, key: key, json: Self.write.2)
                .expectProblem(403, containing: "'contacts.write'")

            let listed = try await CLI.json(["roles", "list"], database: gw.database)
            let names = (listed["roles"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["reader", "editor", "auditor", "admin", "support"])

            let db = gw.database
            CLI.expectFailure(
                try await CLI.run(["roles", "create", "support", "--scopes", "audit.read"], database: db),
                containing: "exists already")
            CLI.expectFailure(
                try await CLI.run(["roles", "create", "ops", "--scopes", "contacts.delete"], database: db),
                containing: "Unknown scope 'contacts.delete'")
            CLI.expectFailure(
                try await CLI.run(["roles", "delete", "admin"], database: db), containing: "built-in")
            CLI.expectFailure(
                try await CLI.run(["roles", "delete", "support"], database: db), containing: "still used by 1 key")
            CLI.expectFailure(
                try await CLI.run(["roles", "delete", "nosuchrole"], database: db), containing: "No custom role")

            // Once its keys are revoked, the role can go.
            _ = try await CLI.json(["keys", "revoke", try #require(created["id"] as? String)], database: db)
            let deleted = try await CLI.json(["roles", "delete", "support"], database: db)
            #expect(deleted["status"] as? String == "deleted")
        }
    }

    @Test func customRolesThroughTheAdminAPI() async throws {
        try await withGateway { gw in
            let created = try await gw.call(
                "POST", "/admin/v1/roles", key: gw.adminKey, json: #"{"name":"writer","scopes":["contacts.write"]}"#)
            #expect(created.status == 201, "\(created.text)")
            #expect(try created.json()["scopes"] as? [String] == ["contacts.write"])
            let listed = try await gw.call("GET", "/admin/v1/roles", key: gw.adminKey).json()
            let roles = try #require(listed["roles"] as? [[String: Any]])
            #expect(roles.contains { $0["name"] as? String == "writer" && $0["builtIn"] as? Bool == false })
            #expect(roles.contains { $0["name"] as? String == "admin" && $0["builtIn"] as? Bool == true })

            let key = try await gw.call(
                "POST", "/admin/v1/keys", key: gw.adminKey, json: #"{"name":"bot","role":"writer"}"#)
            #expect(key.status == 201, "\(key.text)")
            let secret = try #require(try key.json()["key"] as? String)
            #expect(try await gw.call(Self.write.0, Self.write.1, key: secret, json: Self.write.2).status == 201)
            try await gw.call(Self.read.0, Self.read.1, key: secret).expectProblem(403, containing: "'contacts.readonly'")

            try await gw.call("DELETE", "/admin/v1/roles/writer", key: gw.adminKey)
                .expectProblem(409, containing: "still used by 1 key")
            let keyId = try #require(try key.json()["id"] as? String)
            #expect(try await gw.call("DELETE", "/admin/v1/keys/\(keyId)", key: gw.adminKey).status == 204)
            #expect(try await gw.call("DELETE", "/admin/v1/roles/writer", key: gw.adminKey).status == 204)
            try await gw.call("DELETE", "/admin/v1/roles/writer", key: gw.adminKey).expectProblem(404)
        }
    }

    @Test func adminAPIRefusesBadInputWithProblemDetails() async throws {
        try await withGateway { gw in
            let admin = gw.adminKey
            func post(_ path: String, _ body: String) async throws -> CurlResponse {
                try await gw.call("POST", path, key: admin, json: body)
            }
            try await post("/admin/v1/keys", "{not json").expectProblem(400, containing: "not a valid JSON")
            try await post("/admin/v1/keys", #"{"name":"x","role":"wizard"}"#).expectProblem(400, containing: "Unknown role 'wizard'")
            try await post("/admin/v1/keys", #"{"role":"reader"}"#).expectProblem(400, containing: "'name'")
            try await post("/admin/v1/keys", #"{"name":"x","role":"reader","burst":"lots"}"#).expectProblem(400, containing: "'burst'")
            try await post("/admin/v1/keys", #"{"name":"x","role":"reader","rate":"fast"}"#).expectProblem(400, containing: "Rate 'fast'")
            try await post("/admin/v1/keys", #"{"name":"x","role":"reader","expiresIn":"never"}"#).expectProblem(400, containing: "Expiry")
            try await post("/admin/v1/keys", #"{"name":"x","role":"reader","locations":["../etc"]}"#).expectProblem(400)
            try await gw.call("GET", "/admin/v1/keys/nosuchkey000", key: admin).expectProblem(404, containing: "No key with id")
            try await gw.call("DELETE", "/admin/v1/keys/nosuchkey000", key: admin).expectProblem(404)
            try await post("/admin/v1/keys/nosuchkey000/rotate", "").expectProblem(404)
            try await post("/admin/v1/keys/nosuchkey000/rotate", #"{"grace":"soon"}"#).expectProblem(400, containing: "Grace")
            try await post("/admin/v1/roles", "[1,2").expectProblem(400)
            try await post("/admin/v1/roles", #"{"name":"ops","scopes":["contacts.delete"]}"#).expectProblem(400, containing: "Unknown scope 'contacts.delete'")
            try await post("/admin/v1/roles", #"{"name":"ops","scopes":[]}"#).expectProblem(400, containing: "at least one scope")
            try await post("/admin/v1/roles", #"{"name":"a b","scopes":["audit.read"]}"#).expectProblem(400)
            #expect(try await post("/admin/v1/roles", #"{"name":"ops","scopes":["audit.read"]}"#).status == 201)
            try await post("/admin/v1/roles", #"{"name":"ops","scopes":["audit.read"]}"#).expectProblem(409, containing: "exists already")
            try await post("/admin/v1/roles", #"{"name":"admin","scopes":["audit.read"]}"#).expectProblem(409, containing: "built-in")
            try await gw.call("DELETE", "/admin/v1/roles/reader", key: admin).expectProblem(400, containing: "built-in")
            try await gw.call("DELETE", "/admin/v1/roles/nosuchrole", key: admin).expectProblem(404)
            try await gw.call("GET", "/admin/v1/keys", key: nil).expectProblem(401)

            // A good request: 201 with every documented field; list and show never hold a secret.
            let created = try await post(
                "/admin/v1/keys", #"{"name":"ci","role":"reader","locations":["loc-sandbox"],"rate":"5/s","burst":10,"expiresIn":"30d"}"#)
            #expect(created.status == 201, "\(created.text)")
            let body = try created.json()
            for field in ["id", "key", "name", "role", "locations", "rate", "burst", "expiresAt"] {
                #expect(body.keys.contains(field), "\(field)")
            }
            #expect(body["rate"] as? String == "5/s" && body["burst"] as? Int == 10)
            let secret = try #require(body["key"] as? String)
            let id = try #require(body["id"] as? String)
            let list = try await gw.call("GET", "/admin/v1/keys", key: admin)
            #expect(list.status == 200 && list.text.contains(id) && !list.text.contains(secret))
            let shown = try await gw.call("GET", "/admin/v1/keys/\(id)", key: admin)
            #expect(shown.status == 200 && !shown.text.contains(String(secret.suffix(32))))
            let minimal = try await post("/admin/v1/keys", #"{"name":"plain","role":"reader"}"#).json()
            for field in ["locations", "rate", "burst", "expiresAt"] { #expect(minimal[field] is NSNull, "\(field)") }
        }
    }
}
