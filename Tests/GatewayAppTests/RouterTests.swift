import Foundation
import GatewayApp
import GatewayCore
import GatewaySettings
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The gateway's router over the in-memory store (`app.test(.router)`): no socket, no file, no upstream. What the
/// routes do with a real store is tested over sockets elsewhere; here, that every route of the table is wired as
/// the table says.
@Suite struct RouterTests {
    /// An upstream that is never reached by these tests: a call would be a bug.
    struct NoUpstream: UpstreamClient {
        func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
            throw UpstreamError(kind: .unreachable, requestMayHaveReachedServer: false, message: "no upstream in router tests")
        }
    }

    static func gateway() -> Gateway {
        var logger = Logger(label: "router-test")
        logger.logLevel = .critical
        return Gateway(settings: GatewaySettings(), storage: .inMemory(), upstream: NoUpstream(), logger: logger)
    }

    @Test func everyRouteOfTheTableIsWiredWithItsScope() async throws {
        let gateway = Self.gateway()
        let admin = try await gateway.keyAdministration.create(name: "a", role: "admin", by: .operator).key
        let reader = try await gateway.keyAdministration.create(name: "r", role: "reader", by: .operator).key
        let app = Application(router: gateway.buildRouter())
        try await app.test(.router) { client in
            for route in GatewayRoute.all {
                let path = route.path.replacingOccurrences(of: "{id}", with: "nosuchkey000")
                    .replacingOccurrences(of: "{name}", with: "nosuchrole").replacingOccurrences(of: "{locationId}", with: "nowhere")
                    .replacingOccurrences(of: "{seq}", with: "1")
                let method = HTTPRequest.Method(route.method)!
                if route.credential == .consoleSession || route == .consoleSignIn {
                    // Console pages without a session: a page redirects to the sign-in form, a form is refused.
                    try await client.execute(uri: path, method: method) { response in
                        let expected: HTTPResponse.Status =
                            route == .consoleOverview ? .ok : route == .consoleSignIn ? .badRequest
                            : method == .get ? .seeOther : .forbidden
                        #expect(response.status == expected, "\(route.label): \(response.status)")
                    }
                    continue
                }
                // Not a route the router lacks: never 404 for "no such route" nor 405.
                if let scope = route.scope {
                    try await client.execute(uri: path, method: method) { response in
                        #expect(response.status == .unauthorized, "\(route.label) without a key")
                    }
                    try await client.execute(uri: path, method: method, headers: [.authorization: "Bearer \(reader)"]) { response in
                        #expect(response.status == .forbidden, "\(route.label) with a reader key")
                        #expect(String(buffer: response.body).contains("'\(scope.rawValue)'"), "\(route.label)")
                    }
                    try await client.execute(uri: path, method: method, headers: [.authorization: "Bearer \(admin)"]) { response in
                        #expect(response.status != .unauthorized && response.status != .forbidden, "\(route.label): \(response.status)")
                        #expect(response.status != .internalServerError, "\(route.label): \(String(buffer: response.body))")
                    }
                } else if route == .oauthStart {
                    // Without a state there is nowhere to send the browser.
                    try await client.execute(uri: path, method: method) { response in
                        #expect(response.status == .badRequest, "\(route.label): \(response.status)")
                    }
                } else if route == .highLevelWebhook {
                    // No webhook key configured here: nothing can be told genuine.
                    try await client.execute(uri: path, method: method) { response in
                        #expect(response.status == .serviceUnavailable, "\(route.label): \(response.status)")
                    }
                } else if route != .oauthCallback {
                    try await client.execute(uri: path, method: method) { response in
                        #expect(response.status == .ok, "\(route.label): \(response.status)")
                    }
                }
            }
        }
        // Every request was recorded under its route's label, taken from the matched route.
        await gateway.audit.flush()
        let records = try await gateway.repositories.audit.auditRecords(matching: AuditQuery(), limit: 1000)
        let labels = Set(records.map(\.route))
        for route in GatewayRoute.all where route != .oauthCallback && !GatewayRoute.probes.contains(route) {
            #expect(labels.contains(route.label), "no record labelled \(route.label)")
        }
        // The probes are counted in metrics, not recorded.
        for probe in GatewayRoute.probes { #expect(!labels.contains(probe.label), "\(probe.label) was recorded") }
    }

    @Test func keysAreMadeAndListedThroughTheRouter() async throws {
        let gateway = Self.gateway()
        let admin = try await gateway.keyAdministration.create(name: "a", role: "admin", by: .operator).key
        let app = Application(router: gateway.buildRouter())
        try await app.test(.router) { client in
            let body = ByteBuffer(string: #"{"name":"ci","role":"reader","locations":["loc-1"]}"#)
            try await client.execute(
                uri: "/admin/v1/keys", method: .post,
                headers: [.authorization: "Bearer \(admin)", .contentType: "application/json"], body: body
            ) { response in
                #expect(response.status == .created)
                #expect(String(buffer: response.body).contains(#""role":"reader""#))
            }
            try await client.execute(uri: "/admin/v1/keys", method: .get, headers: [.authorization: "Bearer \(admin)"]) {
                response in
                #expect(String(buffer: response.body).contains(#""name":"ci""#))
            }
            try await client.execute(uri: "/admin/v1/audit/verify", method: .get, headers: [.authorization: "Bearer \(admin)"]) {
                response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""ok":true"#))
            }
        }
    }
}
