import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The console's answers: every one carries the headers that keep a page from being framed, from running any script
/// but the console's own file, and from being kept by a shared cache.
enum ConsolePage {
    static let sessionCookie = "console_session"

    /// No inline script or style, nothing from elsewhere, no framing, forms only to this gateway.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func headers(contentType: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xFrameOptions] = "DENY"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "no-referrer"
        headers[.cacheControl] = "no-store"
        return headers
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: headers(contentType: "text/html; charset=utf-8"),
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// After a change: back to a page with a GET (303), so a reload does not send the form again.
    static func redirect(to location: String) -> Response {
        var headers = headers(contentType: "text/html; charset=utf-8")
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func asset(_ text: String, contentType: String) -> Response {
        var headers = headers(contentType: contentType)
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The session cookie: never readable by script, never sent from another site, only over TLS when the browser
    /// came over TLS (directly, or through a proxy that says so).
    static func sessionCookie(_ token: String, secure: Bool, maxAge: Int) -> Cookie {
        Cookie(
            name: sessionCookie, value: token, maxAge: maxAge, path: "/console", secure: secure, httpOnly: true,
            sameSite: .strict)
    }

    static func isTLS(_ request: Request) -> Bool {
        request.uri.scheme == .https || request.headers[.xForwardedProto]?.lowercased() == "https"
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xForwardedProto = Self("X-Forwarded-Proto")!
}
