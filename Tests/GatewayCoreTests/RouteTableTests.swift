import Foundation
import Testing

@testable import GatewayCore

@Suite struct RouteTableTests {
    let table = RouteTable.contacts

    @Test func hasThe32OperationsOfTheOfficialSpecAndNoOthers() throws {
        let specURL = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/GatewayOpenAPI/HighLevel/contacts.json")
        let spec = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: specURL)) as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        var fromSpec: Set<String> = []
        var specScopes: [String: String] = [:]
        for (path, item) in paths {
            for (method, value) in item where ["get", "post", "put", "delete", "patch"].contains(method) {
                let operation = try #require(value as? [String: Any])
                let label = "\(method.uppercased()) \(path)"
                fromSpec.insert(label)
                let security = (operation["security"] as? [[String: [String]]])?.first?["bearer"]?.first
                specScopes[label] = security
                let id = try #require(operation["operationId"] as? String)
                let ours = try #require(table.operations.first { $0.label == label }, "missing \(label)")
                #expect(ours.id == id)
                #expect(ours.hasBody == (operation["requestBody"] != nil), "body of \(label)")
            }
        }
        #expect(fromSpec.count == 32)
        #expect(Set(table.operations.map(\.label)) == fromSpec)
        for operation in table.operations {
            // Two bulk operations declare no scope upstream; they write, so the table requires contacts.write.
            let expected = specScopes[operation.label] ?? "contacts.write"
            #expect(operation.scope.rawValue == expected, "scope of \(operation.label)")
            #expect(operation.version == "2021-07-28")
        }
    }

    @Test func matchesTemplatesAndBindsIds() {
        guard case .matched(let operation, let parameters) = table.match(method: "GET", rawPath: "/contacts/abc123/tasks/t-9_x")
        else { Issue.record("no match"); return }
        #expect(operation.id == "get-task")
        #expect(parameters == ["contactId": "abc123", "taskId": "t-9_x"])
        #expect(operation.path.render(parameters) == "/contacts/abc123/tasks/t-9_x")
        #expect(operation.resourceParameter == "taskId")
    }

    @Test func literalSegmentsWinOverParameters() {
        if case .matched(let operation, _) = table.match(method: "DELETE", rawPath: "/contacts/c1/campaigns/removeAll") {
            #expect(operation.id == "remove-contact-from-every-campaign")
        } else { Issue.record("no match") }
        if case .matched(let operation, _) = table.match(method: "POST", rawPath: "/contacts/search") {
            #expect(operation.id == "search-contacts-advanced")
        } else { Issue.record("no match") }
        if case .matched(let operation, _) = table.match(method: "GET", rawPath: "/contacts/search/duplicate") {
            #expect(operation.id == "get-duplicate-contact")
        } else { Issue.record("no match") }
        if case .matched(let operation, _) = table.match(method: "POST", rawPath: "/contacts/") {
            #expect(operation.id == "create-contact")
        } else { Issue.record("no match") }
    }

    @Test(arguments: [
        "/contacts/..", "/contacts/%2e%2e", "/contacts/a%2Fb", "/contacts/a%2fb/tasks", "/contacts/%00",
        "/contacts/a%3Fb", "/contacts/a%23b", "/contacts/%", "/contacts/%zz", "/contacts/a.b", "/contacts/a%20b",
        "/contacts/" + String(repeating: "a", count: 129), "/contacts/%C3%A9",
    ])
    func smuggledIdsAreRefusedAsBadInput(path: String) {
        guard case .invalidParameter = table.match(method: "GET", rawPath: path) else {
            Issue.record("\(path) was not refused as an invalid parameter: \(table.match(method: "GET", rawPath: path))")
            return
        }
    }

    @Test(arguments: [
        "/contacts/a/../../locations/x", "/contacts/a/tasks/../notes", "//contacts/a", "/contacts/a//tasks",
        "/contacts/a/tasks/b/c/d/e", "/locations/abc", "/oauth/token", "/contacts", "contacts/a", "/contacts/a/",
        "/contacts/a/tasks/",
    ])
    func pathsOutsideTheTableAreNotFound(path: String) {
        #expect(table.match(method: "GET", rawPath: path) == .notFound)
    }

    /// The path is split at `/` bytes: raw non-ASCII (which the HTTP parser lets through) never matches, not even a
    /// combining mark right after a `/`, which a split by `Character` would have glued to it.
    @Test(arguments: [
        "/contacts/\u{301}abc", "/contacts/abc/\u{301}tasks", "/contacts/\u{301}/tasks", "/contacts/é",
        "/contacts/abc/tasks/\u{301}", "/contacts\u{301}/abc", "/\u{301}contacts/abc",
    ])
    func rawNonASCIIPathsNeverMatch(path: String) {
        switch table.match(method: "GET", rawPath: path) {
        case .matched(let operation, let parameters): Issue.record("\(path.debugDescription) matched \(operation.id) \(parameters)")
        case .invalidParameter, .notFound: break
        }
    }

    @Test func bulkTypeIsLimitedToItsEnumeration() {
        if case .matched(_, let parameters) = table.match(method: "POST", rawPath: "/contacts/bulk/tags/update/add") {
            #expect(parameters["type"] == "add")
        } else { Issue.record("no match") }
        guard case .invalidParameter(_, let name, _) = table.match(method: "POST", rawPath: "/contacts/bulk/tags/update/drop")
        else { Issue.record("not refused"); return }
        #expect(name == "type")
    }

    @Test func unknownMethodIsNotFound() {
        #expect(table.match(method: "PATCH", rawPath: "/contacts/abc") == .notFound)
    }

    @Test func everyRenderedPathMatchesItsOwnTemplate() {
        for operation in table.operations {
            let parameters = Dictionary(uniqueKeysWithValues: operation.path.parameterNames.map { ($0, $0 == "type" ? "add" : "id1") })
            let path = operation.path.render(parameters)
            guard case .matched(let matched, let bound) = table.match(method: operation.method, rawPath: path) else {
                Issue.record("\(operation.label) does not match its own rendering \(path)")
                continue
            }
            #expect(matched.id == operation.id)
            #expect(bound == parameters)
        }
    }
}
