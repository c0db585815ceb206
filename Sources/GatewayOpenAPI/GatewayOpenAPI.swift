import Foundation
import GatewayCore

/// The gateway's one OpenAPI 3.1 document: HighLevel's 32 Contacts operations as the route table proxies them,
/// and the gateway's own routes. `/openapi.json` serves it; `swift run gateway-dev docs` writes it to
/// `openapi/gateway.yaml` and `openapi/gateway.json`, and a test holds those files to it.
public enum GatewayOpenAPI {
    /// Built once: the embedded spec is parsed and the document assembled on first use.
    public static let document: OpenAPINode = make(routes: .contacts, own: GatewayRoute.all)

    public static func make(routes: RouteTable, own: [GatewayRoute]) -> OpenAPINode {
        let proxied = ProxiedOperations(routes: routes, spec: .embedded).render()
        let console = Set(GatewayRoute.console)
        var paths = OwnOperations.render(own.filter { !console.contains($0) })
        for (path, item) in ConsoleOperations.render(own.filter(console.contains)) {
            precondition(paths[path] == nil, "\(path) is both the console's and the admin API's")
            paths[path] = item
        }
        for (path, item) in proxied.paths {
            precondition(paths[path] == nil, "\(path) is both the gateway's own and proxied")
            paths[path] = item
        }
        var schemas = GatewaySchemas.own
        for (name, schema) in GatewaySchemas.highLevelCommon.merging(proxied.schemas, uniquingKeysWith: { $1 }) {
            precondition(schemas[name] == nil, "schema \(name) is both the gateway's and HighLevel's")
            schemas[name] = schema
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "ContactsGateway", "version": "0.1.0",
                "description": .string(
                    "HighLevel's Contacts API v2 behind local API keys, with the gateway's own admin API. Made by "
                        + "`swift run gateway-dev docs` from HighLevel's Contacts spec (CC0) and the route table; "
                        + "do not edit by hand."),
                "license": ["name": "HighLevel's schemas: CC0-1.0", "identifier": "CC0-1.0"],
            ],
            "servers": [["url": "http://127.0.0.1:8080"]],
            "tags": [["name": "Contacts (proxied)"], ["name": "Admin"], ["name": "OAuth"], ["name": "Operations"],
                ["name": "Webhooks", "description": "HighLevel's events in; subscriptions' deliveries out"],
                ["name": "Console", "description": "The web console's pages and forms (HTML, session cookie)"],
            ],
            "security": [["bearerKey": []], ["apiKeyHeader": []]],
            "paths": sorted(paths),
            "components": [
                "securitySchemes": [
                    "bearerKey": ["type": "http", "scheme": "bearer", "description": "A local key: Authorization: Bearer cgw_…"],
                    "apiKeyHeader": ["type": "apiKey", "in": "header", "name": "X-API-Key", "description": "A local key in X-API-Key"],
                    "consoleSession": [
                        "type": "apiKey", "in": "cookie", "name": "console_session",
                        "description": "The console's session, set by POST /console/login",
                    ],
                ],
                "parameters": [
                    "XRequestId": [
                        "name": "X-Request-Id", "in": "header", "required": false,
                        "description": "Kept if well formed, else replaced; always echoed in the response",
                        "schema": ["type": "string"],
                    ],
                    "XLocationId": [
                        "name": "X-Location-Id", "in": "header", "required": false,
                        "description": "The location, when neither the query nor the body names one",
                        "schema": ["type": "string", "pattern": .string(GatewaySchemas.idPattern)],
                    ],
                ],
                "schemas": sorted(schemas),
            ],
        ]
    }

    /// `openapi/gateway.json`, and what `/openapi.json` serves.
    public static var json: String { document.jsonText }

    /// `openapi/gateway.yaml`.
    public static func yaml() throws -> String {
        "# Made by `swift run gateway-dev docs` from the route table and HighLevel's spec; do not edit by hand.\n"
            + (try document.yamlText())
    }

    private static func sorted(_ members: [String: OpenAPINode]) -> OpenAPINode {
        .object(members.keys.sorted().map { .init(key: $0, value: members[$0]!) })
    }
}
