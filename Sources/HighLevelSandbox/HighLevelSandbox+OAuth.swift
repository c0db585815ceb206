import Foundation
import Synchronization
import Hummingbird

/// The authorize page and the token endpoint (highlevel-api.md §2.1–2.3, oauth.json `/oauth/token`).
extension HighLevelSandbox {
    static let defaultScope = "contacts.readonly contacts.write"
    static let sandboxUserId = "user-sandbox"

    /// `GET /v2/oauth/chooselocation`: the sandbox stands in for the user and consents at once,
    /// redirecting to `redirect_uri` with `code` (and `state`, when given).
    /// The 400 bodies here are the sandbox's own: HighLevel's page renders HTML errors, which a test can't read.
    func authorize(_ call: SandboxCall) throws -> SandboxOutcome {
        let q = call.query
        guard q["response_type"] == "code" else { throw SandboxFailure.oauth(400, "Invalid parameter: response_type") }
        guard let clientId = q["client_id"], !clientId.isEmpty else { throw SandboxFailure.oauth(400, "Missing parameter: client_id") }
        guard clientId == configuration.clientId else { throw SandboxFailure.oauth(400, "Invalid parameter: client_id") }
        guard let redirectURI = q["redirect_uri"], !redirectURI.isEmpty else {
            throw SandboxFailure.oauth(400, "Missing parameter: redirect_uri")
        }
        guard let url = URL(string: redirectURI), url.scheme != nil, url.host != nil else {
            throw SandboxFailure.oauth(400, "Invalid parameter: redirect_uri")
        }
        let scope = q["scope"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultScope
        // HighLevel lets the user pick the location on the page. So does the sandbox when it knows several (a page of
        // links); with one it consents at once, and the query's `locationId` picks one without a page (for tests).
        if q["locationId"] == nil, configuration.locations.count > 1 {
            return .html(Self.locationPicker(call.path, query: q, locations: configuration.locations))
        }
        guard let locationId = q["locationId"] ?? configuration.locations.first else {
            throw SandboxFailure.oauth(400, "No location configured")
        }
        let code: String = try state.withLock { s in
            guard let active = s.locations[locationId] else { throw SandboxFailure.oauth(400, "Invalid parameter: locationId") }
            guard active else { throw SandboxFailure.oauth(400, "Location is not active") }
            return s.oauth.issueCode(
                clientId: clientId, redirectURI: redirectURI, locationId: locationId, scope: scope, now: .now
            )
        }
        var items = [("code", code)]
        if let stateValue = q["state"] { items.append(("state", stateValue)) }
        return .redirect(FormEncoding.appending(items, to: redirectURI))
    }

    /// The consent page with several locations: one link per location, back to this page with it chosen.
    static func locationPicker(_ path: String, query: [String: String], locations: [String]) -> String {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let items = locations.map { location in
            let link = FormEncoding.appending(
                query.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + [("locationId", location)], to: path)
            return "<li><a href=\"\(escaped(link))\">\(escaped(location))</a></li>"
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Choose a location (HighLevel sandbox)</title></head>
            <body><h1>Choose the location to connect</h1><ul>\(items.joined())</ul></body></html>

            """
    }

    /// `POST /oauth/token`, form-encoded, snake_case fields (`GetAccessCodebodyDto`).
    /// Error messages are the documented ones (v3 spec examples, §2.2), parameter names in camelCase as there.
    func token(_ call: SandboxCall) throws -> SandboxOutcome {
        state.withLock { $0.stats.tokenRequests += 1 }

        let contentType = call.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            // The sandbox's own message; the v2 endpoint declares only the form encoding.
            throw SandboxFailure.oauth(400, "Content-Type must be application/x-www-form-urlencoded")
        }
        let form = FormEncoding.parse(String(decoding: call.body, as: UTF8.self))
        func required(_ field: String, _ name: String) throws -> String {
            guard let value = form[field], !value.isEmpty else { throw SandboxFailure.oauth(400, "Missing parameter: \(name)") }
            return value
        }
        let clientId = try required("client_id", "clientId")
        let clientSecret = try required("client_secret", "clientSecret")
        let grantType = try required("grant_type", "grantType")
        guard grantType == "authorization_code" || grantType == "refresh_token" else {
            // `client_credentials` is in the spec's enum but undocumented; the sandbox refuses it.
            throw SandboxFailure.oauth(400, "Invalid parameter: grantType")
        }
        guard clientId == configuration.clientId, clientSecret == configuration.clientSecret else {
            // UnauthorizedDTO shape; the message is the sandbox's own (the DTO example is about access tokens).
            throw SandboxFailure(
                status: 401,
                body: ["statusCode": 401, "message": "Invalid client: client credentials are invalid", "error": "Unauthorized"]
            )
        }
        if let userType = form["user_type"], !userType.isEmpty, userType != "Location" {
            // The sandbox installs at location level only, so it cannot mint Company tokens.
            throw SandboxFailure.oauth(400, "Invalid parameter: userType")
        }

        let lifetime = configuration.tokenLifetime
        let now = ContinuousClock.now
        let issued: (OAuthState.IssuedPair, locationId: String, scope: String)
        if grantType == "authorization_code" {
            let code = try required("code", "code")
            let redirectURI = form["redirect_uri"].flatMap { $0.isEmpty ? nil : $0 }
            issued = try state.withLock { s in
                if let pending = s.oauth.pendingCodeLocation(code), s.locations[pending] == false {
                    // Same rule as refresh: the grant is refused but stays usable once the location is active.
                    throw SandboxFailure.oauth(400, "Location is not active")
                }
                guard let grant = s.oauth.redeemCode(code, clientId: clientId, redirectURI: redirectURI, now: now) else {
                    s.stats.invalidGrants += 1
                    // Modelled on the documented refresh-token message; HighLevel documents none for codes.
                    throw SandboxFailure.oauth(400, "Invalid grant: authorization code is invalid")
                }
                s.stats.authorizationCodeGrants += 1
                let pair = s.oauth.issueTokens(
                    clientId: clientId, locationId: grant.locationId, scope: grant.scope, lifetime: lifetime, now: now
                )
                return (pair, grant.locationId, grant.scope)
            }
        } else {
            let refreshToken = try required("refresh_token", "refreshToken")
            issued = try state.withLock { s in
                guard let record = s.oauth.refreshToken(refreshToken, clientId: clientId, now: now) else {
                    s.stats.invalidGrants += 1
                    throw SandboxFailure.oauth(400, "Invalid grant: refresh token is invalid")
                }
                guard s.locations[record.locationId] == true else {
                    // Not consumed: "the same refresh token can be used" once the location is active again.
                    throw SandboxFailure.oauth(400, "Location is not active")
                }
                s.oauth.consumeRefreshToken(refreshToken)
                s.stats.refreshGrants += 1
                s.stats.refreshGrantsByLocation[record.locationId, default: 0] += 1
                let pair = s.oauth.issueTokens(
                    clientId: clientId, locationId: record.locationId, scope: record.scope, lifetime: lifetime, now: now
                )
                return (pair, record.locationId, record.scope)
            }
        }

        let seconds = max(1, Int(lifetime.components.seconds))
        return .json(
            200,
            [
                "access_token": .string(issued.0.accessToken),
                "token_type": "Bearer",
                "expires_in": .int(seconds),
                "refresh_token": .string(issued.0.refreshToken),
                "scope": .string(issued.scope),
                "userType": "Location",
                "locationId": .string(issued.locationId),
                "companyId": .string(configuration.companyId),
                "userId": .string(Self.sandboxUserId),
                "isBulkInstallation": false,
            ]
        )
    }
}
