import Foundation

/// HighLevel's official Contacts spec (`HighLevel/contacts.json`, CC0, OpenAPI 3.0), compiled into the binary so
/// the gateway serves its whole document offline, with HighLevel's own schemas for the 32 operations.
struct HighLevelContactsSpec {
    let paths: OpenAPINode
    let schemas: OpenAPINode

    static let embedded: HighLevelContactsSpec = {
        // The file is part of the build; if it does not parse, no binary should ship.
        let spec = try! JSONDecoder().decode(OpenAPINode.self, from: Data(PackageResources.contacts_json))
        return HighLevelContactsSpec(paths: spec["paths"] ?? [:], schemas: spec["components"]?["schemas"] ?? [:])
    }()

    func operation(method: String, path: String) -> OpenAPINode? {
        paths[path]?[method.lowercased()]
    }

    /// An OpenAPI 3.0 fragment as 3.1 has it: `nullable` becomes a `null` type, the spec's references to its
    /// common file become local, and `example` becomes `examples`.
    static func openAPI31(_ node: OpenAPINode) -> OpenAPINode {
        switch node {
        case .array(let items):
            return .array(items.map(openAPI31))
        case .object(let members):
            var node = OpenAPINode.object(members.map { .init(key: $0.key, value: openAPI31($0.value)) })
            let nullable = node["nullable"] == .bool(true)
            node["nullable"] = nil
            if nullable {
                switch node["type"] {
                case .string(let type)?: node["type"] = [.string(type), "null"]
                case .array(let types)?: node["type"] = .array(types + ["null"])
                default:
                    if node["$ref"] != nil || node["allOf"] != nil || node["oneOf"] != nil {
                        node = ["anyOf": [node, ["type": "null"]]]
                    }
                }
            }
            let common = "../common/common-schemas.json#"
            if let reference = node["$ref"]?.stringValue, reference.hasPrefix(common) {
                node["$ref"] = .string("#" + reference.dropFirst(common.count))
            }
            if let example = node["example"], node["examples"] == nil {
                node["example"] = nil
                node["examples"] = [example]
            }
            return node
        default:
            return node
        }
    }

    /// The names of the schemas a fragment refers to (`#/components/schemas/NAME`).
    static func schemaReferences(in node: OpenAPINode, into found: inout Set<String>) {
        switch node {
        case .object(let members):
            let prefix = "#/components/schemas/"
            if let reference = node["$ref"]?.stringValue, reference.hasPrefix(prefix) {
                found.insert(String(reference.dropFirst(prefix.count)))
            }
            for member in members { schemaReferences(in: member.value, into: &found) }
        case .array(let items):
            for item in items { schemaReferences(in: item, into: &found) }
        default:
            break
        }
    }
}
