import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /oauth/start` sends an admin's browser on to HighLevel's consent page (for a state the CLI issued), and
/// `GET /oauth/callback` is where HighLevel sends it back with a code once a location is chosen.
struct OAuthCallbackController {
    let connections: ConnectionAdministration
    let tokens: TokenBroker
    let gate: AuditGate

    func addRoutes(to router: some RouterMethods<GatewayContext>) {
        router.on(.oauthStart) { request, _ in
            let address = try connections.consentAddress(state: request.uri.queryParameters["state"].map(String.init))
            return Response(status: .found, headers: [.location: address, .cacheControl: "no-store"])
        }
        router.on(.oauthCallback) { request, context in
            // A person's browser gets a page that says what happened; a script asking for JSON gets JSON (and the
            // problem+json of any refusal).
            let page = Self.wantsPage(request.headers[.accept])
            do {
                let query = request.uri.queryParameters
                if let denied = query["error"] {
                    throw GatewayError.badRequest("HighLevel reported '\(denied)' instead of a code. Start again.")
                }
                try await gate.requireWritable()
                let connection = try await connections.completeAuthorization(
                    code: query["code"].map(String.init), state: query["state"].map(String.init))
                context.note.update { $0.locationId = connection.locationId }
                await tokens.forget(connection.locationId)
                if page { return ConnectedPage.response(locationId: connection.locationId) }
                return try JSONResponse.make(["locationId": connection.locationId, "status": "connected"])
            } catch let error as GatewayError where page {
                return ConnectedPage.failure(error)
            }
        }
    }

    /// Whether the caller prefers HTML (a browser's `Accept: text/html,…`) over JSON.
    static func wantsPage(_ accept: String?) -> Bool {
        guard let accept = accept?.lowercased(), let html = accept.range(of: "text/html") else { return false }
        guard let json = accept.range(of: "application/json") else { return true }
        return html.lowerBound < json.lowerBound
    }
}

/// The small page the callback answers a browser with. Nothing in it comes from the request: the location id is
/// checked (letters, digits, `-`, `_`) before a connection is stored, so it needs no escaping, and the page runs no
/// script and may not be framed.
enum ConnectedPage {
    static func response(locationId: String) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Location connected</title>
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;line-height:1.5}</style></head>
            <body><h1>Location \(locationId) is connected</h1>
            <p>The gateway holds its tokens now; callers with a local key can use it. You may close this page.</p>
            <p>Check it with <code>contacts-gateway connections list</code>.</p></body></html>

            """
        return page(html, status: .ok)
    }

    /// The refusal (an unknown or used state, HighLevel's error) as a page with the same status and detail.
    static func failure(_ error: GatewayError) -> Response {
        let detail = error.detail.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Not connected</title>
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;line-height:1.5}</style></head>
            <body><h1>Nothing was connected</h1><p>\(detail)</p></body></html>

            """
        return page(html, status: HTTPResponse.Status(code: error.status))
    }

    private static func page(_ html: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                HTTPField.Name("Content-Security-Policy")!: "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
