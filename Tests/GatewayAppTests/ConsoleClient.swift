import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A browser's part in the console, over the router: it keeps the session cookie and the form token the pages carry,
/// and sends forms as a browser does (`application/x-www-form-urlencoded`).
struct ConsoleClient {
    let client: any TestClientProtocol
    var cookie: String?
    var csrf: String?

    init(_ client: any TestClientProtocol) { self.client = client }

    /// Signs in; on success keeps the cookie and reads the form token off the overview.
    @discardableResult
    mutating func signIn(_ key: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        let response = try await post("/console/login", [("key", key)], withToken: false, headers: headers)
        if let setCookie = response.headers[.setCookie], let value = Self.cookieValue(setCookie), !value.isEmpty {
            cookie = value
            csrf = Self.csrf(in: String(buffer: try await get("/console").body))
        }
        return response
    }

    func get(_ path: String) async throws -> TestResponse {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = "console_session=\(cookie)" }
        return try await client.execute(uri: path, method: .get, headers: headers) { $0 }
    }

    func post(
        _ path: String, _ fields: [(String, String)], withToken: Bool = true, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let cookie { headers[.cookie] = "console_session=\(cookie)" }
        let all = fields + (withToken ? [("csrf", csrf ?? "")] : [])
        let body = all.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) { $0 }
    }

    static func cookieValue(_ setCookie: String) -> String? {
        guard let first = setCookie.split(separator: ";").first, first.hasPrefix("console_session=") else { return nil }
        return String(first.dropFirst("console_session=".count))
    }

    static func csrf(in html: String) -> String? {
        html.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/).map { String($0.1) }
    }

    /// The secret a page shows once, if any.
    static func secret(in html: String) -> String? {
        html.firstMatch(of: /id="new-secret" class="mono" type="text" value="(cgw_[A-Za-z0-9_]+)"/).map { String($0.1) }
    }

    /// The signing secret a new subscription's page shows once, if any.
    static func webhookSecret(in html: String) -> String? {
        html.firstMatch(of: /id="new-secret" class="mono" type="text" value="(whsec_[A-Za-z0-9+\/=]+)"/)
            .map { String($0.1) }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
