import Foundation
import HTTPTypes
import HighLevelSandbox
import Testing

@Suite("OAuth")
struct OAuthTests {
    @Test("authorization code: redirect carries code and state, exchange issues tokens, code is single-use")
    func authorizationCodeFlow() async throws {
        try await LiveSandbox.run { live in
            let redirect = try await live.send(
                .get,
                "/oauth/chooselocation?response_type=code&client_id=sandbox-client-id"
                    + "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fx%3D1&scope=contacts.write&state=a%20b%2Bc%26d",
                version: nil
            )
            #expect(redirect.status == 302)
            let location = try #require(redirect.header("Location"))
            #expect(location.hasPrefix("https://app.example.com/cb?x=1&code="))
            #expect(LiveSandbox.queryItem("state", in: location) == "a b+c&d")
            let code = try #require(LiveSandbox.queryItem("code", in: location))

            let form = "client_id=sandbox-client-id&client_secret=sandbox-client-secret&grant_type=authorization_code&code=\(code)"
            let wrongRedirect = try await live.send(
                .post, "/oauth/token", version: nil, form: form + "&redirect_uri=https%3A%2F%2Fevil.example.com%2Fcb"
            )
            #expect(wrongRedirect.status == 400)
            #expect(wrongRedirect.json["message"] as? String == "Invalid grant: authorization code is invalid")
            let tokens = try await live.send(.post, "/oauth/token", version: nil, form: form)
            #expect(tokens.status == 200)
            let body = tokens.json
            #expect(body["token_type"] as? String == "Bearer")
            #expect(body["expires_in"] as? Int == 86399)
            #expect(body["userType"] as? String == "Location")
            #expect(body["locationId"] as? String == "loc-sandbox")
            #expect(body["companyId"] as? String == "company-sandbox")
            #expect(body["scope"] as? String == "contacts.write")
            #expect(body["userId"] is String)
            let access = try #require(body["access_token"] as? String)
            #expect(body["refresh_token"] is String)

            let contacts = try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: access)
            #expect(contacts.status == 200)

            let reuse = try await live.send(.post, "/oauth/token", version: nil, form: form)
            #expect(reuse.status == 400)
            #expect(reuse.json["message"] as? String == "Invalid grant: authorization code is invalid")

            let stats = live.sandbox.stats()
            #expect(stats.authorizationCodeGrants == 1)
            #expect(stats.invalidGrants == 2)
            #expect(stats.tokenRequests == 3)
        }
    }

    @Test("authorize rejects unknown client and missing redirect_uri with 400 JSON")
    func authorizeErrors() async throws {
        try await LiveSandbox.run { live in
            let unknown = try await live.send(
                .get, "/v2/oauth/chooselocation?response_type=code&client_id=nope&redirect_uri=https%3A%2F%2Fa.example%2Fcb",
                version: nil
            )
            #expect(unknown.status == 400)
            #expect(unknown.json["statusCode"] as? Int == 400)
            let missing = try await live.send(.get, "/v2/oauth/chooselocation?response_type=code&client_id=sandbox-client-id", version: nil)
            #expect(missing.status == 400)
            #expect(missing.json["message"] as? String == "Missing parameter: redirect_uri")
        }
    }

    @Test("refresh rotates: new pair works, old refresh token is invalid, old access token still valid")
    func refreshRotation() async throws {
        try await LiveSandbox.run { live in
            let first = try await live.install()
            let oldAccess = try #require(first["access_token"] as? String)
            let oldRefresh = try #require(first["refresh_token"] as? String)

            let refreshed = try await live.refresh(oldRefresh)
            #expect(refreshed.status == 200)
            let newAccess = try #require(refreshed.json["access_token"] as? String)
            let newRefresh = try #require(refreshed.json["refresh_token"] as? String)
            #expect(newAccess != oldAccess)
            #expect(newRefresh != oldRefresh)

            #expect(try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: newAccess).status == 200)
            #expect(try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: oldAccess).status == 200)

            let reused = try await live.refresh(oldRefresh)
            #expect(reused.status == 400)
            #expect(reused.text == #"{"message":"Invalid grant: refresh token is invalid","statusCode":400}"#)

            #expect(try await live.refresh(newRefresh).status == 200)

            let stats = live.sandbox.stats()
            #expect(stats.refreshGrants == 2)
            #expect(stats.invalidGrants == 1)
            #expect(stats.refreshGrantsByLocation == ["loc-sandbox": 2])
        }
    }

    @Test("inactive location: refresh fails with 'Location is not active' and keeps the refresh token valid")
    func inactiveLocationKeepsRefreshToken() async throws {
        try await LiveSandbox.run { live in
            let tokens = try await live.install()
            let refresh = try #require(tokens["refresh_token"] as? String)

            let off = try await live.send(.post, "/_sandbox/locations/loc-sandbox/active", version: nil, json: #"{"active":false}"#)
            #expect(off.status == 200)
            let refused = try await live.refresh(refresh)
            #expect(refused.status == 400)
            #expect(refused.text == #"{"message":"Location is not active","statusCode":400}"#)

            let pending = try await live.send(
                .get, "/v2/oauth/chooselocation?response_type=code&client_id=sandbox-client-id&redirect_uri=https%3A%2F%2Fa.example%2Fcb",
                version: nil
            )
            #expect(pending.status == 400)
            #expect(pending.json["message"] as? String == "Location is not active")

            live.sandbox.setLocationActive("loc-sandbox", true)
            let accepted = try await live.refresh(refresh)
            #expect(accepted.status == 200)
            #expect(try await live.refresh(refresh).status == 400)
            #expect(live.sandbox.stats().refreshGrantsByLocation["loc-sandbox"] == 1)
        }
    }

    @Test("token endpoint validation: missing parameter, bad grant type, wrong secret, wrong encoding")
    func tokenEndpointErrors() async throws {
        try await LiveSandbox.run { live in
            let missing = try await live.send(.post, "/oauth/token", version: nil, form: "client_secret=x&grant_type=refresh_token")
            #expect(missing.status == 400)
            #expect(missing.json["message"] as? String == "Missing parameter: clientId")

            let badGrant = try await live.send(
                .post, "/oauth/token", version: nil,
                form: "client_id=sandbox-client-id&client_secret=sandbox-client-secret&grant_type=password"
            )
            #expect(badGrant.json["message"] as? String == "Invalid parameter: grantType")

            let wrongSecret = try await live.send(
                .post, "/oauth/token", version: nil,
                form: "client_id=sandbox-client-id&client_secret=wrong&grant_type=refresh_token&refresh_token=r"
            )
            #expect(wrongSecret.status == 401)
            #expect(wrongSecret.json["error"] as? String == "Unauthorized")
            #expect(wrongSecret.json["statusCode"] as? Int == 401)

            let asJSON = try await live.send(.post, "/oauth/token", version: nil, json: #"{"client_id":"sandbox-client-id"}"#)
            #expect(asJSON.status == 400)

            let noRefresh = try await live.send(
                .post, "/oauth/token", version: nil,
                form: "client_id=sandbox-client-id&client_secret=sandbox-client-secret&grant_type=refresh_token"
            )
            #expect(noRefresh.json["message"] as? String == "Missing parameter: refreshToken")
            #expect(live.sandbox.stats().tokenRequests == 5)
        }
    }

    @Test("expired access token answers 401 UnauthorizedDTO; unknown token answers Invalid JWT")
    func expiredAccessToken() async throws {
        // Six seconds, so a loaded machine still makes the first call before expiry.
        try await LiveSandbox.run(configure: { $0.tokenLifetime = .seconds(6) }) { live in
            let tokens = try await live.install()
            #expect(tokens["expires_in"] as? Int == 6)
            let access = try #require(tokens["access_token"] as? String)
            #expect(try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: access).status == 200)

            try await Task.sleep(for: .milliseconds(6100))
            let expired = try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: access)
            #expect(expired.status == 401)
            #expect(expired.json["message"] as? String == "Invalid token: access token is invalid")
            #expect(expired.json["error"] as? String == "Unauthorized")

            let unknown = try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: "not-a-token")
            #expect(unknown.status == 401)
            #expect(unknown.json["message"] as? String == "Invalid JWT")
            let none = try await live.send(.get, "/contacts/?locationId=loc-sandbox")
            #expect(none.json["message"] as? String == "Invalid JWT")
        }
    }

    @Test("expire-tokens control: current access tokens fail at once, PITs keep working")
    func expireTokensControl() async throws {
        try await LiveSandbox.run { live in
            let tokens = try await live.install()
            let access = try #require(tokens["access_token"] as? String)
            let pit = live.sandbox.issuePrivateIntegrationToken(locationId: "loc-sandbox")
            let expire = try await live.send(.post, "/_sandbox/locations/loc-sandbox/expire-tokens", version: nil)
            #expect(expire.json["expired"] as? Int == 1)
            #expect(try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: access).status == 401)
            #expect(try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: pit).status == 200)
        }
    }
}
