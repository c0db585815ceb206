import Foundation
import GatewayCore
import Testing
import Yams

@testable import GatewayOpenAPI

/// The one document: the committed files are what the generator makes, the YAML says what the JSON says, and the
/// 3.0 → 3.1 translation of HighLevel's schemas does what it claims.
@Suite struct GatewayOpenAPITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private func committed(_ relative: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(relative), encoding: .utf8)
    }

    @Test func theCommittedJSONIsTheGeneratedDocument() throws {
        #expect(try committed("openapi/gateway.json") == GatewayOpenAPI.json,
                "openapi/gateway.json is stale: run swift run gateway-dev docs")
    }

    @Test func theCommittedYAMLIsTheGeneratedDocument() throws {
        #expect(try committed("openapi/gateway.yaml") == GatewayOpenAPI.yaml(),
                "openapi/gateway.yaml is stale: run swift run gateway-dev docs")
    }

    /// A YAML reader sees the same document as a JSON reader: strings that look like numbers, booleans or dates
    /// (`"200"`, `"2021-07-28"`, `"true"`) stay strings.
    @Test func theYAMLReadsBackAsTheJSON() throws {
        let fromYAML = try #require(try Yams.load(yaml: try GatewayOpenAPI.yaml()))
        let fromJSON = try JSONSerialization.jsonObject(with: Data(GatewayOpenAPI.json.utf8))
        let yamlAsJSON = try JSONSerialization.data(withJSONObject: fromYAML, options: [.sortedKeys])
        let jsonAsJSON = try JSONSerialization.data(withJSONObject: fromJSON, options: [.sortedKeys])
        #expect(yamlAsJSON == jsonAsJSON)
    }

    @Test func everyRouteOfBothTablesIsAPath() throws {
        let paths = try #require(GatewayOpenAPI.document["paths"])
        var labels = Set<String>()
        for path in paths.members {
            for operation in path.value.members { labels.insert("\(operation.key.uppercased()) \(path.key)") }
        }
        let expected = Set(RouteTable.contacts.operations.map(\.label) + GatewayRoute.all.map(\.label))
        #expect(labels == expected)
        #expect(labels.count == 32 + GatewayRoute.all.count)
    }

    @Test func nullableBecomesANullTypeAndExampleBecomesExamples() {
        let converted = HighLevelContactsSpec.openAPI31([
            "type": "object",
            "properties": [
                "name": ["type": "string", "nullable": true, "example": "Ada"],
                "tags": ["type": ["array"], "nullable": true],
                "owner": ["$ref": "#/components/schemas/User", "nullable": true],
                "kept": ["type": "string", "nullable": false],
                "common": ["$ref": "../common/common-schemas.json#/components/schemas/BadRequestDTO"],
            ],
        ])
        let properties = converted["properties"]
        #expect(properties?["name"] == ["type": ["string", "null"], "examples": ["Ada"]])
        #expect(properties?["tags"] == ["type": ["array", "null"]])
        #expect(properties?["owner"] == ["anyOf": [["$ref": "#/components/schemas/User"], ["type": "null"]]])
        #expect(properties?["kept"] == ["type": "string"])
        #expect(properties?["common"] == ["$ref": "#/components/schemas/BadRequestDTO"])
    }

    /// Every schema a fragment names is in the document, HighLevel's transitively.
    @Test func everyReferenceResolves() throws {
        var references = Set<String>()
        HighLevelContactsSpec.schemaReferences(in: GatewayOpenAPI.document, into: &references)
        let schemas = Set((GatewayOpenAPI.document["components"]?["schemas"]?.members ?? []).map(\.key))
        #expect(references.count > 40)
        #expect(references.subtracting(schemas).isEmpty, "unresolved: \(references.subtracting(schemas).sorted())")
    }

    @Test func jsonTextEscapesWhatJSONMust() throws {
        let node: OpenAPINode = ["text": "quote \" backslash \\ newline \n tab \t bell \u{07} é"]
        let parsed = try JSONSerialization.jsonObject(with: Data(node.jsonText.utf8)) as? [String: String]
        #expect(parsed?["text"] == "quote \" backslash \\ newline \n tab \t bell \u{07} é")
    }

    /// The audit record's schema follows its one field list: every field, in order, with the count only when present.
    @Test func theAuditRecordSchemaFollowsTheFieldList() throws {
        let record = try #require(GatewayOpenAPI.document["components"]?["schemas"]?["AuditRecord"])
        #expect(record["properties"]?.members.map(\.key) == AuditRecord.fields.map(\.name))
        guard case .array(let requiredNames)? = record["required"] else {
            Issue.record("AuditRecord has no required list")
            return
        }
        let required = Set(requiredNames.compactMap(\.stringValue))
        #expect(required.isSuperset(of: ["seq", "time", "requestId", "route", "status", "outcome", "hash", "prevHash"]))
        #expect(!required.contains("count") && !required.contains("keyId"))
        #expect(record["properties"]?["keyId"]?["type"] == ["string", "null"])
        #expect(record["properties"]?["count"]?["type"] == "integer")
    }
}
