import GatewayCore

/// The 32 proxied operations: the route table's facts (id, scope, audit label, path patterns) over HighLevel's own
/// parameters, bodies and answers, with the statuses the gateway adds itself.
struct ProxiedOperations {
    let routes: RouteTable
    let spec: HighLevelContactsSpec

    /// The statuses the gateway may answer on a proxied route before or instead of HighLevel.
    static let proxyErrors: [(status: String, text: String)] = [
        ("404", "No such route, or HighLevel has no such resource"),
        ("502", "HighLevel could not be reached or answered nonsense (an upstream fault, not the gateway's)"),
        ("503", "No usable connection for the location (authorize it again), the upstream circuit is open, or the "
            + "audit store cannot record"),
        ("504", "HighLevel did not answer in time (GATEWAY_UPSTREAM_TIMEOUT)"),
    ]

    /// The paths, and HighLevel's schemas they refer to (transitively).
    func render() -> (paths: [String: OpenAPINode], schemas: [String: OpenAPINode]) {
        var paths: [String: OpenAPINode] = [:]
        var used = Set<String>()
        for route in routes.operations {
            let operation = render(route)
            HighLevelContactsSpec.schemaReferences(in: operation, into: &used)
            paths[route.path.text, default: [:]][route.method.lowercased()] = operation
        }
        var schemas: [String: OpenAPINode] = [:]
        var pending = used
        while let name = pending.popFirst() {
            guard schemas[name] == nil, GatewaySchemas.highLevelCommon[name] == nil, GatewaySchemas.own[name] == nil,
                let schema = spec.schemas[name]
            else { continue }
            let converted = HighLevelContactsSpec.openAPI31(schema)
            schemas[name] = converted
            var more = Set<String>()
            HighLevelContactsSpec.schemaReferences(in: converted, into: &more)
            pending.formUnion(more.subtracting(schemas.keys))
        }
        return (paths, schemas)
    }

    private func render(_ route: UpstreamOperation) -> OpenAPINode {
        let source = spec.operation(method: route.method, path: route.path.text) ?? [:]
        let scope = OpenAPINode.string(route.scope.rawValue)
        var operation: OpenAPINode = [
            "operationId": .string(route.id),
            "summary": .string(route.summary),
            "tags": ["Contacts (proxied)"],
            "description": .string((source["description"]?.stringValue ?? route.summary)
                + "\n\nProxied to HighLevel with the location's token; HighLevel's status, body and content type "
                + "come back as they are. Errors the gateway makes itself are application/problem+json."),
            "security": [["bearerKey": [scope]], ["apiKeyHeader": [scope]]],
            "x-required-scope": scope,
            "x-audit-route": .string(route.label),
            "x-upstream-version": .string(route.version),
        ]
        if route.deprecated { operation["deprecated"] = true }
        operation["parameters"] = .array(parameters(of: route, source: source))
        if let body = source["requestBody"] {
            operation["requestBody"] = HighLevelContactsSpec.openAPI31(body)
        } else if route.hasBody {
            operation["requestBody"] = ["required": false, "content": ["application/json": ["schema": ["type": "object"]]]]
        }
        operation["responses"] = responses(source: source)
        return operation
    }

    private func parameters(of route: UpstreamOperation, source: OpenAPINode) -> [OpenAPINode] {
        var allowed: [String: Set<String>] = [:]
        for case .parameter(let name, let values?) in route.path.segments { allowed[name] = values }
        func pathSchema(_ name: String) -> OpenAPINode {
            if let values = allowed[name] { return ["type": "string", "enum": .array(values.sorted().map(OpenAPINode.string))] }
            return ["type": "string", "pattern": .string(GatewaySchemas.idPattern)]
        }
        var parameters: [OpenAPINode] = []
        if case .array(let declared)? = source["parameters"] {
            for parameter in declared {
                // The gateway sends HighLevel's Version header itself.
                if parameter["in"] == "header" && parameter["name"] == "Version" { continue }
                var parameter = HighLevelContactsSpec.openAPI31(parameter)
                if parameter["in"] == "path", let name = parameter["name"]?.stringValue {
                    parameter["schema"] = pathSchema(name)
                }
                parameters.append(parameter)
            }
        }
        for name in route.path.parameterNames
        where !parameters.contains(where: { $0["in"] == "path" && $0["name"]?.stringValue == name }) {
            parameters.append(["name": .string(name), "in": "path", "required": true, "schema": pathSchema(name)])
        }
        parameters.append(["$ref": "#/components/parameters/XLocationId"])
        parameters.append(["$ref": "#/components/parameters/XRequestId"])
        return parameters
    }

    private func responses(source: OpenAPINode) -> OpenAPINode {
        var responses: [String: OpenAPINode] = [:]
        for member in source["responses"]?.members ?? [] {
            var response = HighLevelContactsSpec.openAPI31(member.value)
            if response["content"] == nil { response["content"] = ["application/json": ["schema": [:]]] }
            responses[member.key] = response
        }
        // The proxy's own text wins where both name a status (503).
        let proxyStatuses = Set(Self.proxyErrors.map(\.status))
        let gatewayErrors = GatewaySchemas.keyedErrors.filter { !proxyStatuses.contains($0.status) } + Self.proxyErrors
        for (status, text) in gatewayErrors {
            if var response = responses[status] {
                response["description"] = .string((response["description"]?.stringValue ?? "") + "; or from the gateway: \(text)")
                response["content"]?["application/problem+json"] = ["schema": GatewaySchemas.reference("Problem")]
                responses[status] = response
            } else {
                var response = GatewaySchemas.problem(text + "; or HighLevel's own answer with this status, passed through")
                // HighLevel's answers pass through as they are: its JSON with any status.
                response["content"]?["application/json"] = ["schema": [:]]
                responses[status] = response
            }
        }
        // HighLevel answers other statuses of its own (422, 409, …); they pass through as they are.
        responses["default"] = [
            "description": "Another answer of HighLevel's, passed through as it is",
            "content": ["application/json": ["schema": [:]]],
        ]
        return .object(responses.keys.sorted().map { .init(key: $0, value: responses[$0]!) })
    }
}
