import Testing

@testable import GatewayCore

@Suite struct TokenEndpointInterpretationTests {
    func answer(_ status: Int, _ body: String) -> UpstreamResponse {
        UpstreamResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }

    @Test func readsAGrant() throws {
        let grant = try OAuthTokenEndpoint.interpret(answer(200, """
            {"access_token":"a","token_type":"Bearer","expires_in":86399,"refresh_token":"r","scope":"contacts.readonly",
             "userType":"Location","locationId":"loc","companyId":"co","userId":"u"}
            """))
        #expect(grant == TokenGrant(accessToken: "a", refreshToken: "r", expiresInSeconds: 86399, scope: "contacts.readonly",
                                    locationId: "loc", companyId: "co", userId: "u", userType: "Location"))
    }

    @Test func sortsHighLevelsErrors() {
        #expect(throws: TokenEndpointError.invalidGrant("Invalid grant: refresh token is invalid")) {
            try OAuthTokenEndpoint.interpret(answer(400, #"{"statusCode":400,"message":"Invalid grant: refresh token is invalid"}"#))
        }
        #expect(throws: TokenEndpointError.locationNotActive("Location is not active")) {
            try OAuthTokenEndpoint.interpret(answer(400, #"{"statusCode":400,"message":"Location is not active"}"#))
        }
        #expect(throws: TokenEndpointError.rejected(status: 401, message: "Unauthorized")) {
            try OAuthTokenEndpoint.interpret(answer(401, #"{"statusCode":401,"message":"Unauthorized"}"#))
        }
        #expect(throws: TokenEndpointError.rejected(status: 422, message: "a; b")) {
            try OAuthTokenEndpoint.interpret(answer(422, #"{"statusCode":422,"message":["a","b"]}"#))
        }
        #expect(throws: TokenEndpointError.transient("token endpoint answered 503")) {
            try OAuthTokenEndpoint.interpret(answer(503, "down"))
        }
        #expect(throws: TokenEndpointError.transient("token endpoint answered 200 without a usable token")) {
            try OAuthTokenEndpoint.interpret(answer(200, "<html>"))
        }
    }
}
