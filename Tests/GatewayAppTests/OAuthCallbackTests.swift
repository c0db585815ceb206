import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

/// The authorization code flow and the callback's refusals.
@Suite struct OAuthCallbackTests {
    @Test func adminRouteIssuesALinkThatConnectsTheLocation() async throws {
        try await withGateway(.init(connect: false)) { gw in
            let issued = try await gw.call("POST", "/admin/v1/connections/authorize", key: gw.adminKey)
            #expect(issued.status == 201, "\(issued.text)")
            let link = try issued.json()
            let address = try #require(link["authorizeUrl"] as? String)
            let state = try #require(link["state"] as? String)
            #expect(link["expiresAt"] is String)
            #expect(address.contains("client_id=sandbox-client-id"))
            #expect(address.contains("state=\(state)"))
            // The browser: HighLevel's consent page redirects to the callback with a code.
            let consent = try await gw.client.execute(CurlRequest(method: "GET", url: address + "&locationId=loc-sandbox"))
            #expect(consent.status == 302)
            let location = try #require(consent.header("Location"))
            let callbackQuery = try #require(location.split(separator: "?").last)
            let callback = try await gw.call("GET", "/oauth/callback?\(callbackQuery)", key: nil)
            #expect(callback.status == 200, "\(callback.text)")
            #expect(try callback.json()["locationId"] as? String == "loc-sandbox")
            let stored = try await gw.storedConnection()
            #expect(stored.kind == .oauth)
            #expect(stored.refreshToken != nil)
            // The same state again: used.
            let replay = try await gw.call("GET", "/oauth/callback?\(callbackQuery)", key: nil)
            try replay.expectProblem(400, containing: "already used")
            // And the connection works.
            #expect(try await gw.call("GET", "/contacts/?locationId=loc-sandbox").status == 200)
        }
    }

    @Test func badStatesStoreNothingAndCallNobody() async throws {
        try await withGateway(.init(connect: false)) { gw in
            let past = Date().addingTimeInterval(-3600)
            try await gw.store.insertAuthorizationState(
                AuthorizationState(
                    stateHash: AuthorizationState.hash("expiredstate"), createdAt: past,
                    expiresAt: past.addingTimeInterval(900)))
            let before = gw.sandbox.stats().tokenRequests
            for query in [
                "code=abc&state=unknownstate", "code=abc&state=expiredstate", "code=abc", "state=expiredstate",
                "error=access_denied&state=x", "",
            ] {
                let response = try await gw.call("GET", "/oauth/callback?\(query)", key: nil)
                try response.expectProblem(400)
            }
            #expect(gw.sandbox.stats().tokenRequests == before)
            #expect(try await gw.store.connections().isEmpty)
        }
    }

    @Test func refusedCodeStoresNothing() async throws {
        try await withGateway(.init(connect: false)) { gw in
            let link = try await gw.gateway.connections.authorizeLink(by: .operator)
            let response = try await gw.call("GET", "/oauth/callback?code=forged&state=\(link.state)", key: nil)
            try response.expectProblem(400, containing: "refused the authorization code")
            #expect(try await gw.store.connections().isEmpty)
        }
    }

    @Test func adminRoutesNeedTheirScope() async throws {
        try await withGateway { gw in
            try (try await gw.call("POST", "/admin/v1/connections/authorize", key: gw.editorKey))
                .expectProblem(403, containing: "connections.manage")
            try (try await gw.call("GET", "/admin/v1/connections", key: nil)).expectProblem(401)
            let listed = try await gw.call("GET", "/admin/v1/connections", key: gw.adminKey)
            #expect(listed.status == 200)
            #expect(!listed.text.contains(try await gw.storedConnection().accessToken))
            try (try await gw.call("DELETE", "/admin/v1/connections/nope", key: gw.adminKey)).expectProblem(404)
            let removed = try await gw.call("DELETE", "/admin/v1/connections/loc-sandbox", key: gw.adminKey)
            #expect(removed.status == 204)
            try (try await gw.call("GET", "/contacts/?locationId=loc-sandbox")).expectProblem(503)
        }
    }
}
