import Foundation
import GatewayCore

/// The gateway's proxied surface as OpenAPI 3.1, rendered from the route table, so the document cannot drift from
/// the router: each operation carries its HighLevel `operationId`, its required scope and its audit label.
enum OpenAPIDocument {
    /// The document as `/openapi.json` serves it.
    static func served(_ table: RouteTable) -> Data {
        (try? JSONSerialization.data(withJSONObject: render(table), options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func render(_ table: RouteTable) -> [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for operation in table.operations {
            var item: [String: Any] = [
                "operationId": operation.id,
                "summary": operation.summary,
                "tags": ["Contacts"],
                "security": [["bearerKey": [operation.scope.rawValue]], ["apiKeyHeader": [operation.scope.rawValue]]],
                "x-required-scope": operation.scope.rawValue,
                "x-audit-route": operation.label,
                "x-upstream-version": operation.version,
                "responses": [
                    "default": ["description": "HighLevel's answer, passed through as it is"],
                    "4XX": problem("An error the gateway made itself"),
                    "5XX": problem("An error the gateway made itself"),
                ],
            ]
            if operation.deprecated { item["deprecated"] = true }
            let parameters: [[String: Any]] = operation.path.segments.compactMap { segment in
                guard case .parameter(let name, let allowed) = segment else { return nil }
                var schema: [String: Any] = ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$"]
                if let allowed { schema = ["type": "string", "enum": allowed.sorted()] }
                return ["name": name, "in": "path", "required": true, "schema": schema]
            }
            if !parameters.isEmpty { item["parameters"] = parameters }
            if operation.hasBody {
                item["requestBody"] = ["content": ["application/json": ["schema": ["type": "object"]]]]
            }
            paths[operation.path.text, default: [:]][operation.method.lowercased()] = item
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "ContactsGateway", "version": "0.1.0",
                "description": "HighLevel's Contacts API v2 behind local API keys.",
            ],
            "paths": paths,
            "components": [
                "securitySchemes": [
                    "bearerKey": ["type": "http", "scheme": "bearer", "description": "A local key, cgw_…"],
                    "apiKeyHeader": ["type": "apiKey", "in": "header", "name": "X-API-Key"],
                ],
                "schemas": [
                    "Problem": [
                        "type": "object", "required": ["type", "title", "status", "detail", "requestId"],
                        "properties": [
                            "type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
                            "detail": ["type": "string"], "requestId": ["type": "string"],
                        ],
                    ]
                ],
            ],
        ]
    }

    private static func problem(_ description: String) -> [String: Any] {
        ["description": description,
         "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]]
    }
}
