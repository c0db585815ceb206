import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import GatewaySettings
import HTTPTypes
import HighLevelSandbox
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The web console over the router and the in-memory store: sessions, the form token, scopes, the escalation rule,
/// every form's bad input, and the trail of what the console did. The same pages in a real browser against a real
/// process: scripts/console-browser-test.
@Suite struct ConsoleTests {
    struct Setup {
        let gateway: Gateway
        let clock: ManualWallClock
        let admin: KeyAdministration.CreatedKey
    }

    static func setup(settings: GatewaySettings = GatewaySettings()) async throws -> Setup {
        var logger = Logger(label: "console-test")
        logger.logLevel = .critical
        let clock = ManualWallClock(Date())
        let gateway = Gateway(
            settings: settings, storage: .inMemory(), upstream: RouterTests.NoUpstream(), clock: clock, logger: logger)
        let admin = try await gateway.keyAdministration.create(name: "admin", role: "admin", by: .operator)
        return Setup(gateway: gateway, clock: clock, admin: admin)
    }

    static func withConsole(
        _ setup: Setup, _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await Application(router: setup.gateway.buildRouter()).test(.router) { client in try await body(client) }
    }

    static func records(_ setup: Setup) async throws -> [AuditRecord] {
        await setup.gateway.audit.flush()
        return try await setup.gateway.repositories.audit.auditRecords(matching: AuditQuery(), limit: 1000)
    }

    // MARK: Sign-in and sessions

    @Test func withoutASessionTheConsoleIsTheSignInFormAndPagesRedirectToIt() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            let browser = ConsoleClient(client)
            let overview = try await browser.get("/console")
            #expect(overview.status == .ok)
            #expect(overview.text.contains(#"<input id="key" name="key" type="password""#))
            #expect(overview.text.contains(#"<label for="key">Key</label>"#))
            let keys = try await browser.get("/console/keys")
            #expect(keys.status == .seeOther)
            #expect(keys.headers[.location] == "/console")
        }
    }

    @Test func signingInSetsAStrictHttpOnlyCookieStoredOnlyAsItsHash() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            let answer = try await browser.signIn(setup.admin.key)
            #expect(answer.status == .seeOther)
            #expect(answer.headers[.location] == "/console")
            let cookie = try #require(answer.headers[.setCookie])
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/console"))
            #expect(!cookie.contains("Secure"), "plain HTTP: a Secure cookie would never come back")
            let token = try #require(browser.cookie)
            #expect(token.count == 43)
            let sessions = setup.gateway.repositories.consoleSessions
            let now = setup.clock.now()
            #expect(try await sessions.consoleSession(tokenHash: ConsoleSession.hash(token), now: now)?.keyId == setup.admin.id)
            #expect(try await sessions.consoleSession(tokenHash: token, now: now) == nil, "the token itself is not stored")
            let overview = try await browser.get("/console")
            #expect(overview.status == .ok)
            #expect(overview.text.contains("Sign out"))
            #expect(browser.csrf?.count == 64)

            // Over TLS (a proxy in front says so), the cookie is Secure too.
            var overTLS = ConsoleClient(client)
            let secure = try await overTLS.signIn(setup.admin.key, headers: [.init("X-Forwarded-Proto")!: "https"])
            #expect(secure.headers[.setCookie]?.contains("Secure") == true)
        }
    }

    @Test func aWrongKeyGets401AndNoCookie() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            let wrong = try await browser.signIn("cgw_notakeyatall_000000")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil)
            #expect(wrong.text.contains(#"id="key-error""#))
            #expect(wrong.text.contains("not recognised"))
            let empty = try await browser.post("/console/login", [("key", "  ")], withToken: false)
            #expect(empty.status == .badRequest)
            #expect(empty.headers[.setCookie] == nil)
            #expect(empty.text.contains(#"id="key-error""#))
        }
    }

    @Test func everyPageCarriesAPolicyWithoutInlineScriptOrFraming() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            for path in ["/console", "/console/keys", "/console/roles", "/console/connections", "/console/audit",
                         "/console/audit/verify", "/console/subscriptions", "/console/console.css", "/console/console.js",
                         "/console/icon.svg"] {
                let page = try await browser.get(path)
                #expect(page.status == .ok, "\(path)")
                let policy = try #require(page.headers[.init("Content-Security-Policy")!], "\(path)")
                #expect(policy.contains("frame-ancestors 'none'"))
                #expect(policy.contains("script-src 'self'"))
                #expect(!policy.contains("unsafe-inline"))
                #expect(page.headers[.init("X-Frame-Options")!] == "DENY")
                if path.hasSuffix(".css") || path.hasSuffix(".js") || path.hasSuffix(".svg") { continue }
                // No inline script or style in the markup either.
                let scripts = page.text.matches(of: /<script/).count
                #expect(scripts == page.text.matches(of: /<script src="\/console\/console.js" defer>/).count, "\(path)")
                #expect(!page.text.contains(" style=\""), "\(path)")
                #expect(page.text.firstMatch(of: /\son[a-z]+="/) == nil, "\(path)")
            }
        }
    }

    @Test func signingOutEndsTheSession() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            let out = try await browser.post("/console/logout", [])
            #expect(out.status == .seeOther)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            // The old cookie no longer opens anything.
            #expect(try await browser.get("/console/keys").status == .seeOther)
            #expect(try await browser.get("/console").text.contains(#"name="key""#))
        }
    }

    @Test func aSessionEndsAtOnceWhenItsKeyIsRevokedOrExpires() async throws {
        let setup = try await Self.setup()
        let other = try await setup.gateway.keyAdministration.create(name: "other", role: "admin", by: .operator)
        let brief = try await setup.gateway.keyAdministration.create(
            name: "brief", role: "admin", expiresIn: "1h", by: .operator)
        try await Self.withConsole(setup) { client in
            var revoked = ConsoleClient(client)
            try await revoked.signIn(other.key)
            var expiring = ConsoleClient(client)
            try await expiring.signIn(brief.key)
            #expect(try await revoked.get("/console/keys").status == .ok)
            // Revoked from another session of the console.
            var admin = ConsoleClient(client)
            try await admin.signIn(setup.admin.key)
            #expect(try await admin.post("/console/keys/\(other.id)/revoke", []).status == .seeOther)
            #expect(try await revoked.get("/console/keys").status == .seeOther)
            #expect(try await revoked.post("/console/keys", [("name", "x"), ("role", "reader")]).status == .forbidden)
            #expect(try await expiring.get("/console/keys").status == .ok)
            setup.clock.advance(by: 3601)
            #expect(try await expiring.get("/console/keys").status == .seeOther)
        }
        // The revoked key's session is gone from the store too.
        #expect(try await setup.gateway.keyAdministration.list().first { $0.id == other.id }?.revokedAt != nil)
    }

    @Test func aSessionEndsAfterTwelveHours() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            setup.clock.advance(by: 12 * 3600 - 5)
            #expect(try await browser.get("/console/keys").status == .ok)
            setup.clock.advance(by: 10)
            #expect(try await browser.get("/console/keys").status == .seeOther)
        }
    }

    // MARK: The form token, scopes, the escalation rule

    @Test func aChangeWithoutTheSessionsFormTokenGets403AndChangesNothing() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            let before = try await setup.gateway.keyAdministration.list().count
            let missing = try await browser.post("/console/keys", [("name", "x"), ("role", "reader")], withToken: false)
            #expect(missing.status == .forbidden)
            #expect(missing.text.contains("nothing was changed"))
            let wrong = try await browser.post(
                "/console/keys", [("name", "x"), ("role", "reader"), ("csrf", String(repeating: "0", count: 64))],
                withToken: false)
            #expect(wrong.status == .forbidden)
            // Another session's token is not this one's.
            var second = ConsoleClient(client)
            try await second.signIn(setup.admin.key)
            var crossed = browser
            crossed.csrf = second.csrf
            #expect(try await crossed.post("/console/keys", [("name", "x"), ("role", "reader")]).status == .forbidden)
            #expect(try await browser.post("/console/logout", [], withToken: false).status == .forbidden)
            #expect(try await setup.gateway.keyAdministration.list().count == before)
        }
    }

    @Test func theKeysScopesDecideThePagesAsOnTheAdminAPI() async throws {
        let setup = try await Self.setup()
        let auditor = try await setup.gateway.keyAdministration.create(name: "reviewer", role: "auditor", by: .operator)
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(auditor.key)
            let overview = try await browser.get("/console")
            #expect(overview.text.contains(#"href="/console/audit""#))
            #expect(!overview.text.contains(#"href="/console/keys""#))
            #expect(!overview.text.contains("connections-heading"))
            for path in ["/console/keys", "/console/roles", "/console/connections"] {
                let page = try await browser.get(path)
                #expect(page.status == .forbidden, "\(path)")
                #expect(page.text.contains("lacks the scope"), "\(path)")
            }
            let create = try await browser.post("/console/keys", [("name", "x"), ("role", "auditor")])
            #expect(create.status == .forbidden)
            #expect(try await browser.get("/console/audit").status == .ok)
        }
        #expect(try await setup.gateway.keyAdministration.list().count == 2)
    }

    @Test func aKeyCannotHandOutOrTakeOverMoreThanItHolds() async throws {
        let setup = try await Self.setup()
        _ = try await setup.gateway.roleAdministration.create(name: "key-keeper", scopes: ["keys.manage"], by: .operator)
        let keeper = try await setup.gateway.keyAdministration.create(
            name: "keeper", role: "key-keeper", locations: ["loc-a"], by: .operator)
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(keeper.key)
            let admin = try await browser.post("/console/keys", [("name", "mine"), ("role", "admin"), ("locations", "loc-a")])
            #expect(admin.status == .forbidden)
            #expect(admin.text.contains(#"id="role-error""#))
            #expect(admin.text.contains("lacks"))
            let everywhere = try await browser.post("/console/keys", [("name", "mine"), ("role", "key-keeper")])
            #expect(everywhere.status == .forbidden)
            #expect(everywhere.text.contains(#"id="locations-error""#))
            let rotate = try await browser.post("/console/keys/\(setup.admin.id)/rotate", [])
            #expect(rotate.status == .forbidden)
            #expect(ConsoleClient.secret(in: rotate.text) == nil)
            #expect(try await browser.post("/console/keys/\(setup.admin.id)/revoke", []).status == .forbidden)
            // Within its authority it works.
            let own = try await browser.post(
                "/console/keys", [("name", "mine"), ("role", "key-keeper"), ("locations", "loc-a")])
            #expect(own.status == .created)
        }
        let keys = try await setup.gateway.keyAdministration.list()
        #expect(keys.count == 3)
        #expect(keys.first { $0.id == setup.admin.id }?.revokedAt == nil)
    }

    // MARK: Keys

    @Test func aNewKeysSecretIsShownOnceAndWorks() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            let created = try await browser.post(
                "/console/keys",
                [("name", "ci job"), ("role", "reader"), ("locations", "loc-1, loc-2"), ("rate", "5/s"),
                 ("burst", "10"), ("expiresIn", "30d")])
            #expect(created.status == .created)
            let secret = try #require(ConsoleClient.secret(in: created.text))
            #expect(created.text.contains(#"data-copy="new-secret""#))
            let principal = try await setup.gateway.keyDirectory.authenticate(secret)
            #expect(principal.keyName == "ci job" && principal.locations == ["loc-1", "loc-2"])
            let listed = try await browser.get("/console/keys")
            #expect(listed.text.contains("ci job"))
            #expect(!listed.text.contains(secret), "never shown again")

            // Rotating with a grace period: a new secret, shown once; the old one works until the grace ends.
            let rotated = try await browser.post("/console/keys/\(principal.keyId)/rotate", [("grace", "1h")])
            #expect(rotated.status == .ok)
            let newSecret = try #require(ConsoleClient.secret(in: rotated.text))
            #expect(newSecret != secret)
            #expect(rotated.text.contains("keeps working until"))
            setup.gateway.keyDirectory.invalidate()
            _ = try await setup.gateway.keyDirectory.authenticate(secret)
            _ = try await setup.gateway.keyDirectory.authenticate(newSecret)

            let revoked = try await browser.post("/console/keys/\(principal.keyId)/revoke", [])
            #expect(revoked.status == .seeOther)
            await #expect(throws: GatewayError.self) { try await setup.gateway.keyDirectory.authenticate(newSecret) }
            #expect(try await browser.get("/console/keys").text.contains("revoked"))
        }
    }

    typealias Fields = [(String, String)]

    static let badKeyForms: [(Fields, String)] = [
        ([("name", ""), ("role", "reader")], "name"),
        ([("name", String(repeating: "n", count: 101)), ("role", "reader")], "name"),
        ([("name", "x"), ("role", "nosuchrole")], "role"),
        ([("name", "x"), ("role", "reader"), ("locations", "a b")], "locations"),
        ([("name", "x"), ("role", "reader"), ("rate", "fast")], "rate"),
        ([("name", "x"), ("role", "reader"), ("burst", "lots")], "burst"),
        ([("name", "x"), ("role", "reader"), ("burst", "0")], "burst"),
        ([("name", "x"), ("role", "reader"), ("expiresIn", "soon")], "expiresIn"),
    ]

    @Test(arguments: Self.badKeyForms)
    func badInputOnTheKeyFormIsNamedBesideItsFieldAndChangesNothing(_ fields: Fields, field: String)
        async throws
    {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            let answer = try await browser.post("/console/keys", fields)
            #expect(answer.status == .badRequest)
            #expect(answer.text.contains(#"id="\#(field)-error""#), "\(field): \(answer.text)")
            #expect(answer.text.contains(#"id="\#(field)" "#) || answer.text.contains(#"id="\#(field)""#))
            #expect(answer.text.contains(#"aria-describedby="\#(field)-error""#))
            #expect(ConsoleClient.secret(in: answer.text) == nil)
            // What was typed comes back (but the name when it was the problem's length is still there to fix).
            if let rate = fields.first(where: { $0.0 == "rate" }) { #expect(answer.text.contains(#"value="\#(rate.1)""#)) }
        }
        #expect(try await setup.gateway.keyAdministration.list().count == 1)
    }

    @Test func aBadGraceOnRotateIsNamedBesideItAndKeepsTheKey() async throws {
        let setup = try await Self.setup()
        let other = try await setup.gateway.keyAdministration.create(name: "other", role: "reader", by: .operator)
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            let answer = try await browser.post("/console/keys/\(other.id)/rotate", [("grace", "a while")])
            #expect(answer.status == .badRequest)
            #expect(answer.text.contains(#"id="problem-\#(other.id)""#))
            #expect(answer.text.contains("Grace &#39;a while&#39;"))
            #expect(ConsoleClient.secret(in: answer.text) == nil)
        }
        setup.gateway.keyDirectory.invalidate()
        _ = try await setup.gateway.keyDirectory.authenticate(other.key)
    }

    // MARK: Roles

    @Test func rolesAreMadeFromCheckboxesAndDeleted() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            let page = try await browser.get("/console/roles")
            #expect(page.text.contains(#"<input type="checkbox" id="scope-audit-read" name="scopes" value="audit.read">"#))
            #expect(page.text.contains(#"<label for="scope-audit-read">"#))
            let made = try await browser.post(
                "/console/roles", [("name", "ops"), ("scopes", "audit.read"), ("scopes", "connections.manage")])
            #expect(made.status == .seeOther)
            let role = try #require(try await setup.gateway.roleAdministration.list().first { $0.name == "ops" })
            #expect(role.scopes == [.auditRead, .connectionsManage])
            #expect(try await browser.post("/console/roles/ops/delete", []).status == .seeOther)
            #expect(try await setup.gateway.roleAdministration.list().contains { $0.name == "ops" } == false)
        }
    }

    static let badRoleForms: [(Fields, String, Int)] = [
        ([("name", "bad name"), ("scopes", "audit.read")], "name", 400),
        ([("name", "admin"), ("scopes", "audit.read")], "name", 409),
        ([("name", "empty")], "scopes", 400),
        ([("name", "odd"), ("scopes", "everything")], "scopes", 400),
    ]

    @Test(arguments: Self.badRoleForms)
    func badInputOnTheRoleFormIsNamedBesideItsField(_ fields: Fields, field: String, status: Int)
        async throws
    {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            let answer = try await browser.post("/console/roles", fields)
            #expect(answer.status.code == status)
            #expect(answer.text.contains(#"id="\#(field)-error""#), "\(answer.text)")
        }
        #expect(try await setup.gateway.roleAdministration.list().count == Role.builtIns.count)
    }

    @Test func aRoleInUseIsNotDeletedAndTheRowSaysWhy() async throws {
        let setup = try await Self.setup()
        _ = try await setup.gateway.roleAdministration.create(name: "used", scopes: ["audit.read"], by: .operator)
        _ = try await setup.gateway.keyAdministration.create(name: "u", role: "used", by: .operator)
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            let answer = try await browser.post("/console/roles/used/delete", [])
            #expect(answer.status == .conflict)
            #expect(answer.text.contains("still used by 1 key"))
        }
        #expect(try await setup.gateway.roleAdministration.list().contains { $0.name == "used" })
    }

    // MARK: Connections

    @Test func aPrivateTokenConnectsALocationAndRemoveDisconnectsIt() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            // No upstream here: the form's "do not check" box stores the token as given.
            let added = try await browser.post(
                "/console/connections/token", [("locationId", "loc-9"), ("token", "pit-secret-token"), ("noVerify", "on")])
            #expect(added.status == .seeOther)
            let page = try await browser.get("/console/connections")
            #expect(page.text.contains("loc-9"))
            #expect(page.text.contains("private integration token"))
            #expect(!page.text.contains("pit-secret-token"))
            let overview = try await browser.get("/console")
            #expect(overview.text.contains("loc-9"))
            #expect(try await browser.post("/console/connections/loc-9/remove", []).status == .seeOther)
            #expect(try await setup.gateway.connections.list(by: .operator).isEmpty)
            let again = try await browser.post("/console/connections/loc-9/remove", [])
            #expect(again.status == .notFound)
        }
    }

    /// The token form checks with HighLevel (the sandbox, over HTTP) before storing, and replaces an existing
    /// connection only when its box is ticked, as the CLI and the admin API do.
    @Test func theTokenFormChecksWithHighLevelAndReplacesOnlyWhenAsked() async throws {
        try await withGateway { gw in
            try await Application(router: gw.gateway.buildRouter()).test(.router) { client in
                var browser = ConsoleClient(client)
                try await browser.signIn(gw.adminKey)
                let garbage = try await browser.post(
                    "/console/connections/token", [("locationId", "loc-nowhere"), ("token", "pit-garbage")])
                #expect(garbage.status == .badRequest)
                #expect(garbage.text.contains(#"id="token-error""#) && garbage.text.contains("HighLevel refused the token"))
                #expect(try await gw.store.connection(locationId: "loc-nowhere") == nil)

                let token = gw.sandbox.issuePrivateIntegrationToken(locationId: "loc-east")
                let added = try await browser.post("/console/connections/token", [("locationId", "loc-east"), ("token", token)])
                #expect(added.status == .seeOther, "\(added.text)")
                #expect(try await gw.store.connection(locationId: "loc-east")?.accessToken == token)

                let second = gw.sandbox.issuePrivateIntegrationToken(locationId: "loc-east")
                let refused = try await browser.post("/console/connections/token", [("locationId", "loc-east"), ("token", second)])
                #expect(refused.status == .conflict)
                #expect(refused.text.contains("connected already") && refused.text.contains(#"id="token-location-error""#))
                #expect(try await gw.store.connection(locationId: "loc-east")?.accessToken == token)
                let replaced = try await browser.post(
                    "/console/connections/token", [("locationId", "loc-east"), ("token", second), ("replace", "on")])
                #expect(replaced.status == .seeOther, "\(replaced.text)")
                #expect(try await gw.store.connection(locationId: "loc-east")?.accessToken == second)
            }
        }
    }

    @Test func badInputOnTheConnectionFormsIsNamedBesideItsField() async throws {
        let setup = try await Self.setup()
        _ = try await setup.gateway.roleAdministration.create(name: "linker", scopes: ["connections.manage"], by: .operator)
        let limited = try await setup.gateway.keyAdministration.create(
            name: "limited", role: "linker", locations: ["loc-a"], by: .operator)
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            let badLocation = try await browser.post(
                "/console/connections/token", [("locationId", "no such/place"), ("token", "t")])
            #expect(badLocation.status == .badRequest)
            #expect(badLocation.text.contains(#"id="token-location-error""#))
            let badToken = try await browser.post("/console/connections/token", [("locationId", "loc-1"), ("token", "")])
            #expect(badToken.status == .badRequest)
            #expect(badToken.text.contains(#"id="token-error""#))
            // No OAuth client is configured here: the form says so, beside it.
            let noClient = try await browser.post("/console/connections/authorize", [("locationId", "loc-1")])
            #expect(noClient.status == .badRequest)
            #expect(noClient.text.contains(#"id="authorize-error""#))
            #expect(noClient.text.contains("GATEWAY_CLIENT_ID"))

            var narrow = ConsoleClient(client)
            try await narrow.signIn(limited.key)
            let elsewhere = try await narrow.post(
                "/console/connections/token", [("locationId", "loc-b"), ("token", "pit")])
            #expect(elsewhere.status == .forbidden)
            #expect(elsewhere.text.contains(#"id="token-location-error""#))
        }
        #expect(try await setup.gateway.connections.list(by: .operator).isEmpty)
    }

    @Test func theOAuthButtonGivesTheConsentAddress() async throws {
        var settings = GatewaySettings()
        settings.clientId = "client-1"
        let setup = try await Self.setup(settings: settings)
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            let page = try await browser.get("/console/connections")
            #expect(page.text.contains("Start the OAuth connection"))
            let link = try await browser.post("/console/connections/authorize", [("locationId", "loc-7")])
            #expect(link.status == .created)
            #expect(link.text.contains("client_id=client-1"))
            #expect(link.text.contains("Connect with HighLevel"))
        }
    }

    // MARK: Audit

    @Test func theTrailIsFilteredPagedCheckedExportedAndEveryViewIsRecorded() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            for _ in 0..<5 { _ = try await browser.get("/console/keys") }
            await setup.gateway.audit.flush()
            let page = try await browser.get("/console/audit?route=GET+%2Fconsole%2Fkeys&limit=2")
            #expect(page.status == .ok)
            #expect(page.text.contains("The chain holds for records"))
            let next = try #require(page.text.firstMatch(of: /href="(\/console\/audit\?[^"]*cursor=\d+)"/).map { String($0.1) })
            let older = try await browser.get(next.replacingOccurrences(of: "&amp;", with: "&"))
            #expect(older.status == .ok)
            #expect(older.text.contains("GET /console/keys"))

            let seq = try #require(page.text.firstMatch(of: /href="\/console\/audit\/records\/(\d+)"/).map { String($0.1) })
            let detail = try await browser.get("/console/audit/records/\(seq)")
            #expect(detail.text.contains("match its hash"))
            #expect(detail.text.contains(setup.admin.id))
            #expect(try await browser.get("/console/audit/records/999999").status == .notFound)

            let csv = try await browser.get("/console/audit/export?format=csv&route=GET+%2Fconsole%2Fkeys")
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.headers[.init("Content-Disposition")!]?.contains("attachment") == true)
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.first == Substring(AuditRecord.csvHeader.joined(separator: ",")))
            #expect(lines.count == 6)
            let jsonl = try await browser.get("/console/audit/export?format=jsonl&route=GET+%2Fconsole%2Fkeys")
            let objects = try jsonl.text.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(objects.count == 5)
            #expect(objects.allSatisfy { $0["keyId"] as? String == setup.admin.id })

            let verify = try await browser.get("/console/audit/verify")
            #expect(verify.text.contains("The chain holds"))
            #expect(try await browser.get("/console").text.contains("<span class=\"badge good\">holds</span>"))
        }
        // Every console request is in the trail, under the signed-in key, labelled from the route table.
        let records = try await Self.records(setup)
        let labels = Set(records.filter { $0.keyId == setup.admin.id }.map(\.route))
        for route in [GatewayRoute.consoleSignIn, .consoleKeys, .consoleAudit, .consoleAuditRecord, .consoleAuditExport,
                      .consoleAuditVerify, .consoleOverview] {
            #expect(labels.contains(route.label), "\(route.label)")
        }
        let export = try #require(records.first { $0.route == GatewayRoute.consoleAuditExport.label })
        #expect(export.keyName == "admin" && export.role == "admin" && export.outcome == "ok")
    }

    @Test func everyConsoleChangeIsRecordedUnderTheSignedInKey() async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            _ = try await browser.post("/console/keys", [("name", "made"), ("role", "reader")])
            _ = try await browser.post("/console/roles", [("name", "r1"), ("scopes", "audit.read")])
            _ = try await browser.post("/console/connections/token", [("locationId", "loc-1"), ("token", "t")])
            _ = try await browser.post("/console/keys", [("name", "x"), ("role", "reader")], withToken: false)
            _ = try await browser.post("/console/logout", [])
        }
        let records = try await Self.records(setup)
        let made = try #require(try await setup.gateway.keyAdministration.list().first { $0.name == "made" })
        let create = try #require(records.first { $0.route == GatewayRoute.consoleCreateKey.label && $0.status == 201 })
        #expect(create.keyId == setup.admin.id && create.resourceId == made.id)
        let role = try #require(records.first { $0.route == GatewayRoute.consoleCreateRole.label })
        #expect(role.keyId == setup.admin.id && role.resourceId == "r1")
        let token = try #require(records.first { $0.route == GatewayRoute.consoleAddToken.label })
        #expect(token.keyId == setup.admin.id && token.locationId == "loc-1")
        let refused = try #require(records.first { $0.route == GatewayRoute.consoleCreateKey.label && $0.status == 403 })
        #expect(refused.keyId == setup.admin.id && refused.outcome == "denied")
        #expect(records.contains { $0.route == GatewayRoute.consoleSignOut.label && $0.keyId == setup.admin.id })
        #expect(records.allSatisfy { !$0.path.contains("cgw_") })
    }

    @Test(arguments: [
        ("status=abc", "status"), ("since=yesterday", "since"), ("until=later", "until"), ("limit=0", "limit"),
        ("outcome=fine", "outcome"),
    ])
    func aBadAuditFilterIsNamedBesideItsField(_ query: String, field: String) async throws {
        let setup = try await Self.setup()
        try await Self.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            try await browser.signIn(setup.admin.key)
            let answer = try await browser.get("/console/audit?\(query)")
            #expect(answer.status == .badRequest)
            #expect(answer.text.contains(#"id="\#(field)-error""#), "\(answer.text)")
            #expect(answer.text.contains(#"aria-describedby="\#(field)-error""#))
            let export = try await browser.get("/console/audit/export?format=xml")
            #expect(export.status == .badRequest)
            #expect(export.text.contains("format=csv or format=jsonl"))
        }
    }

    // MARK: Subscriptions

    /// The console over a real socket (`.live`) in front of a gateway on a real SQLite file (``TestGateway``).
    static func withLiveConsole(_ body: @Sendable (TestGateway, any TestClientProtocol) async throws -> Void) async throws {
        try await withGateway { gw in
            try await Application(router: gw.gateway.buildRouter()).test(.live) { client in try await body(gw, client) }
        }
    }

    /// A subscription made as the operator would (the secret not shown to the console), with one pending and one
    /// dead delivery of an event to it. No dispatcher runs in ``TestGateway``, so they stay as made.
    static func subscriptionWithDeliveries(_ gw: TestGateway, url: String = "https://tools.example/hook")
        async throws -> (subscription: WebhookSubscription, pending: WebhookDelivery, dead: WebhookDelivery)
    {
        let subscription = try await gw.gateway.webhookAdministration.create(
            url: url, events: ["ContactCreate"], locations: [TestGateway.location], enrich: false, by: .operator)
        let event = WebhookEventRecord(
            id: "wh-" + WebhookSubscription.newID(), type: "ContactCreate", locationId: TestGateway.location,
            contactId: "c1", source: .webhook, receivedAt: Date(), contactUpdatedAt: Date(), body: Array("{}".utf8))
        let pending = WebhookDelivery.new(of: event, to: subscription, at: Date())
        var dead = WebhookDelivery.new(of: event, to: subscription, at: Date())
        let once = DeliverySchedule(waits: [.seconds(1)])
        dead.progress.record(.answered(status: 500, retryAfter: nil), at: Date(), schedule: once, jitter: 0)
        dead.progress.record(.answered(status: 502, retryAfter: nil), at: Date(), schedule: once, jitter: 0)
        #expect(dead.progress.status == .dead)
        _ = try await gw.gateway.repositories.webhooks.acceptEvent(event, deliveries: [pending, dead])
        return (subscription, pending, dead)
    }

    /// The trail, oldest first.
    static func consoleRecords(_ gw: TestGateway) async throws -> [AuditRecord] {
        await gw.gateway.audit.flush()
        return try await gw.gateway.repositories.audit.auditRecords(matching: AuditQuery(), limit: 1000)
            .sorted { $0.seq < $1.seq }
    }

    @Test func subscriptionsAndTheirDeliveriesAreListedAndFiltered() async throws {
        try await Self.withLiveConsole { gw, client in
            let (subscription, pending, dead) = try await Self.subscriptionWithDeliveries(gw)
            let other = try await gw.gateway.webhookAdministration.create(
                url: "http://127.0.0.1:9/other", events: ["*"], locations: [], enrich: true, by: .operator)
            try await gw.gateway.repositories.webhooks.setSubscriptionDisabled(
                id: other.id, at: Date(), reason: "the receiver answered 410 Gone")
            var browser = ConsoleClient(client)
            try await browser.signIn(gw.adminKey)
            let page = try await browser.get("/console/subscriptions")
            #expect(page.status == .ok)
            let text = page.text
            #expect(text.contains(#"aria-current="page">Subscriptions</a>"#))
            for shown in [subscription.id, "https://tools.example/hook", "ContactCreate", TestGateway.location,
                          other.id, "http://127.0.0.1:9/other", "every location", "the receiver answered 410 Gone",
                          pending.id, dead.id, "the receiver answered 502", "<td>502</td>", "<td>2</td>"] {
                #expect(text.contains(shown), "\(shown)")
            }
            #expect(!text.contains("whsec_"), "a listing never shows a secret")
            // Enable is offered only for the disabled one; retry only for the dead delivery.
            #expect(text.contains(#"action="/console/subscriptions/\#(other.id)/enable""#))
            #expect(!text.contains(#"action="/console/subscriptions/\#(subscription.id)/enable""#))
            #expect(text.contains(#"action="/console/deliveries/\#(dead.id)/retry""#))
            #expect(!text.contains(#"action="/console/deliveries/\#(pending.id)/retry""#))
            #expect(text.matches(of: /<form method="post"[^>]*>\s*<input type="hidden" name="csrf" value="[0-9a-f]{64}">/)
                .count == text.matches(of: /<form method="post"/).count, "every form carries the csrf field")

            let deadOnly = try await browser.get("/console/subscriptions?status=dead")
            #expect(deadOnly.status == .ok)
            #expect(deadOnly.text.contains(#"id="delivery-\#(dead.id)""#))
            #expect(!deadOnly.text.contains(#"id="delivery-\#(pending.id)""#))
            #expect(deadOnly.text.contains(#"<option value="dead" selected>"#))
            let ofOther = try await browser.get("/console/subscriptions?subscriptionId=\(other.id)")
            #expect(ofOther.text.contains("No deliveries match."))
            let ofFirst = try await browser.get("/console/subscriptions?subscriptionId=\(subscription.id)&status=pending")
            #expect(ofFirst.text.contains(#"id="delivery-\#(pending.id)""#))
            #expect(!ofFirst.text.contains(#"id="delivery-\#(dead.id)""#))

            let badStatus = try await browser.get("/console/subscriptions?status=lost")
            #expect(badStatus.status == .badRequest)
            #expect(badStatus.text.contains(#"id="status-error""#) && badStatus.text.contains("pending, delivered, dead"))
            #expect(badStatus.text.contains(#"aria-describedby="status-error""#))
            let unknown = try await browser.get("/console/subscriptions?subscriptionId=sub_none")
            #expect(unknown.status == .notFound)
            #expect(unknown.text.contains(#"id="subscriptionId-error""#) && unknown.text.contains("No subscription sub_none"))
        }
    }

    @Test func creatingASubscriptionShowsItsSecretOnceAndIsRecorded() async throws {
        try await Self.withLiveConsole { gw, client in
            var browser = ConsoleClient(client)
            try await browser.signIn(gw.adminKey)
            let made = try await browser.post(
                "/console/subscriptions",
                [("url", "https://tools.example/hook"), ("events", "ContactUpdate, ContactCreate,"),
                 ("locations", TestGateway.location), ("enrich", "on")])
            #expect(made.status == .created, "\(made.text)")
            let secret = try #require(ConsoleClient.webhookSecret(in: made.text))
            let stored = try #require(try await gw.gateway.repositories.webhooks.subscriptions().first)
            #expect(stored.secret == secret, "the secret shown is the one deliveries are signed with")
            #expect(stored.url == "https://tools.example/hook" && stored.events == ["ContactCreate", "ContactUpdate"])
            #expect(stored.locations == [TestGateway.location] && stored.enrich)
            #expect(made.text.contains("shown this once"))
            #expect(made.text.contains(#"id="subscription-\#(stored.id)""#))
            // Once: neither the list nor any later page shows it again.
            let later = try await browser.get("/console/subscriptions")
            #expect(!later.text.contains(secret) && !later.text.contains("whsec_"))
            #expect(later.text.contains(stored.id))

            // The enrich box left empty makes a subscription without the contact.
            let plain = try await browser.post("/console/subscriptions", [("url", "http://127.0.0.1:9/x"), ("events", "*")])
            #expect(plain.status == .created)
            let second = try #require(try await gw.gateway.repositories.webhooks.subscriptions().first { $0.id != stored.id })
            #expect(!second.enrich && second.events == ["*"] && second.locations.isEmpty)

            let records = try await Self.consoleRecords(gw)
            let created = records.filter { $0.route == GatewayRoute.consoleCreateSubscription.label && $0.status == 201 }
            #expect(created.compactMap(\.resourceId).sorted() == [stored.id, second.id].sorted())
            #expect(created.allSatisfy { $0.keyName == "test-admin" && $0.outcome == "ok" })
            #expect(records.allSatisfy { !$0.path.contains("whsec_") })
        }
    }

    static let badSubscriptionForms: [(Fields, String)] = [
        ([("url", "ftp://tools.example/x"), ("events", "*")], "url"),
        ([("url", "/relative"), ("events", "*")], "url"),
        ([("url", ""), ("events", "*")], "url"),
        ([("url", "https://tools.example/x"), ("events", "ContactCreated")], "events"),
        ([("url", "https://tools.example/x"), ("events", " , ")], "events"),
        ([("url", "https://tools.example/x"), ("events", "*"), ("locations", "loc/../x")], "locations"),
    ]

    @Test(arguments: Self.badSubscriptionForms)
    func badInputOnTheSubscriptionFormIsNamedBesideItsFieldAndChangesNothing(_ fields: Fields, field: String)
        async throws
    {
        try await Self.withLiveConsole { gw, client in
            var browser = ConsoleClient(client)
            try await browser.signIn(gw.adminKey)
            let answer = try await browser.post("/console/subscriptions", fields + [("enrich", "on")])
            #expect(answer.status == .badRequest)
            #expect(answer.text.contains(#"id="\#(field)-error""#), "\(field): \(answer.text)")
            #expect(answer.text.matches(of: /aria-invalid="true"/).count == 1, "only the field at fault")
            #expect(ConsoleClient.webhookSecret(in: answer.text) == nil)
            // What was typed comes back, the box included.
            let url = fields.first { $0.0 == "url" }!.1
            if !url.isEmpty { #expect(answer.text.contains(#"value="\#(url)""#)) }
            #expect(answer.text.contains(#"name="enrich" value="on" checked"#))
            #expect(try await gw.gateway.repositories.webhooks.subscriptions().isEmpty)
        }
    }

    @Test func aLocationNotTheKeysOwnIsNamedBesideTheLocationsField() async throws {
        try await Self.withLiveConsole { gw, client in
            _ = try await gw.gateway.roleAdministration.create(
                name: "hooks-reader", scopes: ["webhooks.manage", "contacts.readonly"], by: .operator)
            let limited = try await gw.makeKey(role: "hooks-reader", name: "limited", locations: [TestGateway.location])
            var browser = ConsoleClient(client)
            try await browser.signIn(limited.key)
            for locations in ["loc-elsewhere", ""] {
                let answer = try await browser.post(
                    "/console/subscriptions", [("url", "https://tools.example/x"), ("events", "*"), ("locations", locations)])
                #expect(answer.status == .forbidden, "\(locations)")
                #expect(answer.text.contains(#"id="locations-error""#), "\(locations): \(answer.text)")
                #expect(answer.text.contains("limited to \(TestGateway.location)"))
            }
            #expect(try await gw.gateway.repositories.webhooks.subscriptions().isEmpty)
            let own = try await browser.post(
                "/console/subscriptions",
                [("url", "https://tools.example/x"), ("events", "*"), ("locations", TestGateway.location)])
            #expect(own.status == .created)
        }
    }

    @Test func withoutWebhooksManageThePageAndItsFormsAre403AndNotInTheNav() async throws {
        try await Self.withLiveConsole { gw, client in
            let (subscription, _, dead) = try await Self.subscriptionWithDeliveries(gw)
            var reader = ConsoleClient(client)
            try await reader.signIn(gw.readerKey)
            #expect(!(try await reader.get("/console").text.contains(#"href="/console/subscriptions""#)))
            let page = try await reader.get("/console/subscriptions")
            #expect(page.status == .forbidden)
            #expect(page.text.contains("lacks the scope &#39;webhooks.manage&#39;"))
            #expect(try await reader.post(
                "/console/subscriptions", [("url", "https://tools.example/x"), ("events", "*")]).status == .forbidden)
            #expect(try await reader.post("/console/subscriptions/\(subscription.id)/delete", []).status == .forbidden)
            #expect(try await reader.post("/console/deliveries/\(dead.id)/retry", []).status == .forbidden)

            // webhooks.manage alone opens the page, but a subscription needs contacts.readonly too: said above the form.
            _ = try await gw.gateway.roleAdministration.create(name: "hooks", scopes: ["webhooks.manage"], by: .operator)
            var hooks = ConsoleClient(client)
            try await hooks.signIn(try await gw.makeKey(role: "hooks", name: "hooks").key)
            #expect(try await hooks.get("/console").text.contains(#"href="/console/subscriptions""#))
            let refused = try await hooks.post(
                "/console/subscriptions", [("url", "https://tools.example/x"), ("events", "*")])
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("&#39;contacts.readonly&#39;") && refused.text.contains(#"role="alert""#))

            let webhooks = gw.gateway.repositories.webhooks
            #expect(try await webhooks.subscriptions().map(\.id) == [subscription.id])
            #expect(try await webhooks.delivery(id: dead.id)?.progress.status == .dead)
        }
    }

    @Test func subscriptionFormsWithoutTheFormTokenGet403AndChangeNothing() async throws {
        try await Self.withLiveConsole { gw, client in
            let (subscription, _, dead) = try await Self.subscriptionWithDeliveries(gw)
            let webhooks = gw.gateway.repositories.webhooks
            try await webhooks.setSubscriptionDisabled(id: subscription.id, at: Date(), reason: "410 Gone")
            var browser = ConsoleClient(client)
            try await browser.signIn(gw.adminKey)
            let forms: [(String, [(String, String)])] = [
                ("/console/subscriptions", [("url", "https://tools.example/new"), ("events", "*")]),
                ("/console/subscriptions/\(subscription.id)/enable", []),
                ("/console/deliveries/\(dead.id)/retry", []),
                ("/console/subscriptions/\(subscription.id)/delete", []),
            ]
            for (path, fields) in forms {
                let missing = try await browser.post(path, fields, withToken: false)
                #expect(missing.status == .forbidden, "\(path)")
                #expect(missing.text.contains("nothing was changed"), "\(path)")
                let wrong = try await browser.post(
                    path, fields + [("csrf", String(repeating: "0", count: 64))], withToken: false)
                #expect(wrong.status == .forbidden, "\(path)")
            }
            let subscriptions = try await webhooks.subscriptions()
            #expect(subscriptions.map(\.id) == [subscription.id])
            #expect(subscriptions.first?.disabledReason == "410 Gone")
            #expect(try await webhooks.delivery(id: dead.id)?.progress.status == .dead)
        }
    }

    @Test func aSubscriptionIsDeletedAndADisabledOneEnabledUnderTheSignedInKey() async throws {
        try await Self.withLiveConsole { gw, client in
            let webhooks = gw.gateway.repositories.webhooks
            let (kept, _, _) = try await Self.subscriptionWithDeliveries(gw)
            let (gone, _, _) = try await Self.subscriptionWithDeliveries(gw, url: "https://tools.example/gone")
            try await webhooks.setSubscriptionDisabled(id: kept.id, at: Date(), reason: "the receiver answered 410 Gone")
            var browser = ConsoleClient(client)
            try await browser.signIn(gw.adminKey)

            let enabled = try await browser.post("/console/subscriptions/\(kept.id)/enable", [])
            #expect(enabled.status == .seeOther)
            #expect(enabled.headers[.location] == "/console/subscriptions")
            let stored = try #require(try await webhooks.subscription(id: kept.id))
            #expect(stored.isEnabled && stored.disabledReason == nil)
            #expect(try await browser.get("/console/subscriptions").text.contains(#"<span class="badge good">enabled</span>"#))

            let deleted = try await browser.post("/console/subscriptions/\(gone.id)/delete", [])
            #expect(deleted.status == .seeOther)
            #expect(try await webhooks.subscription(id: gone.id) == nil)
            #expect(!(try await browser.get("/console/subscriptions").text.contains(gone.id)))
            // Gone already: the page says so, above the lists.
            let again = try await browser.post("/console/subscriptions/\(gone.id)/delete", [])
            #expect(again.status == .notFound)
            #expect(again.text.contains(#"id="action-problem""#) && again.text.contains("No subscription \(gone.id)"))
            let enableNone = try await browser.post("/console/subscriptions/sub_none/enable", [])
            #expect(enableNone.status == .notFound)

            let records = try await Self.consoleRecords(gw)
            let enable = try #require(records.first { $0.route == GatewayRoute.consoleEnableSubscription.label })
            #expect(enable.keyName == "test-admin" && enable.resourceId == kept.id && enable.status == 303)
            let delete = records.filter { $0.route == GatewayRoute.consoleDeleteSubscription.label }
            #expect(delete.map(\.status) == [303, 404])
            #expect(delete.allSatisfy { $0.keyName == "test-admin" && $0.resourceId == gone.id })
        }
    }

    @Test func aDeadDeliveryIsSentAgainAndOnlyADeadOne() async throws {
        try await Self.withLiveConsole { gw, client in
            let webhooks = gw.gateway.repositories.webhooks
            let (_, pending, dead) = try await Self.subscriptionWithDeliveries(gw)
            var browser = ConsoleClient(client)
            try await browser.signIn(gw.adminKey)
            let retried = try await browser.post("/console/deliveries/\(dead.id)/retry", [])
            #expect(retried.status == .seeOther, "\(retried.text)")
            let progress = try #require(try await webhooks.delivery(id: dead.id)?.progress)
            #expect(progress.status == .pending && progress.attempts == 0 && progress.nextAttemptAt != nil)
            let page = try await browser.get("/console/subscriptions")
            #expect(!page.text.contains(#"action="/console/deliveries/\#(dead.id)/retry""#), "pending now: no retry")

            let notDead = try await browser.post("/console/deliveries/\(pending.id)/retry", [])
            #expect(notDead.status == .conflict)
            #expect(notDead.text.contains(#"id="problem-\#(pending.id)""#) && notDead.text.contains("only a dead one"))
            let none = try await browser.post("/console/deliveries/msg_none/retry", [])
            #expect(none.status == .notFound)
            #expect(none.text.contains("No delivery msg_none"))

            let records = try await Self.consoleRecords(gw)
            let retries = records.filter { $0.route == GatewayRoute.consoleRetryDelivery.label }
            #expect(retries.map(\.status) == [303, 409, 404])
            #expect(retries.map(\.resourceId) == [dead.id, pending.id, "msg_none"])
            #expect(retries.allSatisfy { $0.keyName == "test-admin" })
        }
    }
}

/// Wrong keys at the console's sign-in count against the client's allowance of failed authentications, as on the API.
@Suite struct ConsoleSignInFloodTests {
    @Test func pastTheAllowanceWrongKeysAt429AndTheAllowanceIsShared() async throws {
        var settings = GatewaySettings()
        settings.authFailureLimit = Rate(count: 3, perSeconds: 60)
        let setup = try await ConsoleTests.setup(settings: settings)
        try await ConsoleTests.withConsole(setup) { client in
            var browser = ConsoleClient(client)
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(Int(try await browser.signIn("cgw_wrongwrong12_" + String(repeating: "x", count: 32)).status.code)) }
            #expect(statuses == [401, 401, 401, 429, 429])
            // The API's wrong keys draw on the same allowance.
            try await client.execute(uri: "/admin/v1/keys", method: .get, headers: [.authorization: "Bearer nonsense"]) {
                #expect($0.status == .tooManyRequests)
            }
        }
        let records = try await ConsoleTests.records(setup)
        #expect(records.filter { $0.route == GatewayRoute.consoleSignIn.label }.count == 3, "the refused ones are one run")
    }
}
