import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import Testing

/// `openapi/gateway.yaml` (read through its JSON twin, `gateway.json`, which `swift run gateway-dev docs` writes beside it) and
/// the router agree both ways.
@Suite struct GatewayDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func document() throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("openapi/gateway.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The gateway's own routes that need a key, with their scopes (the contract's admin table).
    static let adminRoutes: [(method: String, path: String, scope: String)] = [
        ("GET", "/admin/v1/keys", "keys.manage"), ("POST", "/admin/v1/keys", "keys.manage"),
        ("GET", "/admin/v1/keys/{id}", "keys.manage"), ("PATCH", "/admin/v1/keys/{id}", "keys.manage"),
        ("DELETE", "/admin/v1/keys/{id}", "keys.manage"),
        ("POST", "/admin/v1/keys/{id}/rotate", "keys.manage"),
        ("GET", "/admin/v1/roles", "roles.manage"), ("POST", "/admin/v1/roles", "roles.manage"),
        ("DELETE", "/admin/v1/roles/{name}", "roles.manage"),
        ("GET", "/admin/v1/connections", "connections.manage"), ("POST", "/admin/v1/connections", "connections.manage"),
        ("POST", "/admin/v1/connections/authorize", "connections.manage"),
        ("DELETE", "/admin/v1/connections/{locationId}", "connections.manage"),
        ("GET", "/admin/v1/audit", "audit.read"), ("GET", "/admin/v1/audit/verify", "audit.read"),
        ("GET", "/admin/v1/subscriptions", "webhooks.manage"), ("POST", "/admin/v1/subscriptions", "webhooks.manage"),
        ("DELETE", "/admin/v1/subscriptions/{id}", "webhooks.manage"),
        ("POST", "/admin/v1/subscriptions/{id}/enable", "webhooks.manage"),
        ("GET", "/admin/v1/deliveries", "webhooks.manage"),
        ("POST", "/admin/v1/deliveries/{id}/retry", "webhooks.manage"),
    ]
    static let openRoutes: [(method: String, path: String)] = [
        ("GET", "/oauth/start"), ("GET", "/oauth/callback"), ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/openapi.json"),
        ("POST", "/webhooks/highlevel"),
    ]

    static func operation(_ document: [String: Any], _ method: String, _ path: String) -> [String: Any]? {
        ((document["paths"] as? [String: Any])?[path] as? [String: Any])?[method.lowercased()] as? [String: Any]
    }

    static func scopes(of operation: [String: Any]) -> Set<String> {
        let security = operation["security"] as? [[String: [String]]] ?? []
        return Set(security.flatMap { $0.values.flatMap { $0 } })
    }

    @Test func documentIsOpenAPI31WithSecuritySchemesAndProblem() throws {
        let document = try Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
        let components = try #require(document["components"] as? [String: Any])
        let schemes = try #require(components["securitySchemes"] as? [String: [String: Any]])
        #expect(schemes["bearerKey"]?["scheme"] as? String == "bearer")
        #expect(schemes["apiKeyHeader"]?["name"] as? String == "X-API-Key")
        let problem = try #require((components["schemas"] as? [String: Any])?["Problem"] as? [String: Any])
        #expect(Set(problem["required"] as? [String] ?? []) == ["type", "title", "status", "detail", "requestId"])
        // Every local $ref resolves.
        let text = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
        let schemas = components["schemas"] as? [String: Any] ?? [:]
        let refs = text.matches(of: /#\\?\/components\\?\/schemas\\?\/([A-Za-z0-9_.-]+)/).map { String($0.1) }
        #expect(!refs.isEmpty)
        for name in Set(refs) { #expect(schemas[name] != nil, "unresolved $ref \(name)") }
    }

    @Test func everyRouteIsDocumentedWithItsScope() throws {
        let document = try Self.document()
        for route in RouteTable.contacts.operations {
            let operation = try #require(
                Self.operation(document, route.method, route.path.text), "\(route.label) is not documented")
            #expect(operation["operationId"] as? String == route.id)
            #expect(operation["x-required-scope"] as? String == route.scope.rawValue, "\(route.label)")
            #expect(Self.scopes(of: operation) == [route.scope.rawValue], "\(route.label)")
            let responses = operation["responses"] as? [String: Any] ?? [:]
            for status in ["401", "403", "429", "502", "503", "504"] {
                #expect(responses[status] != nil, "\(route.label) does not document \(status)")
            }
        }
        for route in Self.adminRoutes {
            let operation = try #require(
                Self.operation(document, route.method, route.path), "\(route.method) \(route.path) is not documented")
            #expect(operation["x-required-scope"] as? String == route.scope)
            #expect(Self.scopes(of: operation) == [route.scope])
        }
        for route in Self.openRoutes {
            let operation = try #require(Self.operation(document, route.method, route.path))
            #expect((operation["security"] as? [Any])?.isEmpty == true, "\(route.path) needs no key")
        }
        // Nothing else is documented.
        let documented = (document["paths"] as? [String: [String: Any]] ?? [:]).flatMap { path, item in
            item.keys.filter { $0 != "parameters" }.map { "\($0.uppercased()) \(path)" }
        }
        // The console's pages, tagged Console, with the scope of the route table's entry.
        for route in GatewayRoute.console {
            let operation = try #require(Self.operation(document, route.method, route.path), "\(route.label)")
            #expect(operation["operationId"] as? String == route.id)
            #expect(operation["tags"] as? [String] == ["Console"])
            #expect(operation["x-required-scope"] as? String == route.scope?.rawValue, "\(route.label)")
            #expect(Self.scopes(of: operation) == Set(route.scope.map { [$0.rawValue] } ?? []), "\(route.label)")
        }
        let known = Set(RouteTable.contacts.operations.map(\.label) + Self.adminRoutes.map { "\($0.method) \($0.path)" }
            + Self.openRoutes.map { "\($0.method) \($0.path)" } + GatewayRoute.console.map(\.label))
        #expect(Set(documented) == known)
    }

    /// Every documented path and method is served: none answers the gateway's unknown-route 404.
    @Test func everyDocumentedRouteIsServed() async throws {
        let document = try Self.document()
        try await withGateway { gw in
            let unknown = try await gw.call("GET", "/admin/v1/nothing-here", key: gw.adminKey)
            #expect(unknown.status == 404)
            let unknownDetail = try unknown.json()["detail"] as? String ?? ""
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            for (path, item) in paths {
                // Deleting the sandbox's connection would spoil the other calls: use an id that is not there.
                let concrete = path.replacing(/\{[A-Za-z]+\}/) { match in
                    match.output == "{type}" ? "add" : "doc-probe-1"
                }
                for method in item.keys.map({ $0.uppercased() }) {
                    let answer = try await gw.call(
                        method, concrete, key: gw.adminKey,
                        json: ["POST", "PUT", "DELETE"].contains(method) ? "{}" : nil)
                    let detail = (try? answer.json())?["detail"] as? String
                    let isUnknownRoute = answer.status == 404 && detail != nil
                        && (detail!.hasPrefix("No such route") || detail == unknownDetail.replacingOccurrences(
                            of: "/admin/v1/nothing-here", with: concrete))
                    #expect(!isUnknownRoute, "\(method) \(path) is documented but not served: \(answer.text)")
                    #expect(answer.status < 500 || [502, 503, 504].contains(answer.status),
                            "\(method) \(path) answered \(answer.status)")
                }
            }
        }
    }
}
