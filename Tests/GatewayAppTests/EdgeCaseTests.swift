import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

/// Bad input gets a clear problem+json and never costs HighLevel a call.
@Suite struct EdgeCaseTests {
    /// Runs `body` and checks the sandbox saw no API call and no token request meanwhile.
    func neverReachesUpstream(_ gw: TestGateway, _ body: () async throws -> Void) async throws {
        let before = gw.sandbox.stats()
        try await body()
        let after = gw.sandbox.stats()
        #expect(after.apiRequests == before.apiRequests, "the upstream was called")
        #expect(after.tokenRequests == before.tokenRequests, "the token endpoint was called")
    }

    @Test func refusalsHappenBeforeTheUpstream() async throws {
        var options = TestGateway.Options()
        options.maxBodyBytes = 1024
        try await withGateway(options) { gw in
            try await neverReachesUpstream(gw) {
                try (try await gw.call("GET", "/contacts/abc", key: nil)).expectProblem(401, containing: "No API key")
                try (try await gw.call("GET", "/contacts/abc", key: "cgw_aaaaaaaaaaaa_" + String(repeating: "b", count: 32)))
                    .expectProblem(401)
                try (try await gw.call("GET", "/contacts/abc", key: "not-a-key")).expectProblem(401)
                try (try await gw.call("POST", "/contacts/", key: gw.readerKey, json: #"{"locationId":"loc-sandbox"}"#))
                    .expectProblem(403, containing: "contacts.write")
                try (try await gw.call("GET", "/contacts/abc/nothing")).expectProblem(404)
                try (try await gw.call("PATCH", "/contacts/abc")).expectProblem(404)
                try (try await gw.call("GET", "/locations/abc")).expectProblem(404)
                try (try await gw.call("POST", "/contacts/", json: "{not json")).expectProblem(400, containing: "not valid JSON")
                try (try await gw.call("POST", "/contacts/", json: #"{"locationId":"../x"}"#)).expectProblem(400, containing: "locationId")
                try (try await gw.call("POST", "/contacts/", json: #"{"locationId":7}"#)).expectProblem(400)
                try (try await gw.call("GET", "/contacts/abc?locationId=a%2Fb")).expectProblem(400)
                try (try await gw.call("GET", "/contacts/abc", headers: [("X-Location-Id", "a b")])).expectProblem(400)
                try (try await gw.call("GET", "/contacts/abc?locationId=other")).expectProblem(503, containing: "No HighLevel connection")
                let big = #"{"locationId":"loc-sandbox","firstName":""# + String(repeating: "x", count: 2000) + #""}"#
                try (try await gw.call("POST", "/contacts/", json: big)).expectProblem(413)
            }
        }
    }

    @Test func bodyOverTheLimitWithoutContentLengthIs413() async throws {
        var options = TestGateway.Options()
        options.maxBodyBytes = 1024
        try await withGateway(options) { gw in
            let port = try #require(Int(gw.url.split(separator: ":").last ?? ""))
            let chunk = String(repeating: "a", count: 3000)
            let request = "POST /contacts/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(gw.editorKey)\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n0\r\n\r\n"
            let before = gw.sandbox.stats().apiRequests
            let answer = try await blocking { try RawHTTP.status(port: port, request: request) }
            #expect(answer.status == 413)
            #expect(gw.sandbox.stats().apiRequests == before)
        }
    }

    @Test(arguments: [
        "/contacts/..%2F..%2Foauth%2Ftoken", "/contacts/%2e%2e/%2e%2e/oauth/token", "/contacts/../oauth/token",
        "/contacts/abc/../../locations/x", "/contacts/abc%00/tasks", "/contacts/abc%3Fx=1/tasks",
        "/contacts/a%2Fb/notes", "/contacts//tasks", "/contacts/abc/tasks/%2e%2e", "/contacts/abc#frag",
        "/contacts/abc%23x", "/contacts/%", "/contacts/%C0%AE%C0%AE/x", "/contacts/abc/tasks/x%252F..",
    ])
    func pathSmugglingNeverLeavesTheGateway(path: String) async throws {
        try await withGateway { gw in
            let port = try #require(Int(gw.url.split(separator: ":").last ?? ""))
            let before = gw.sandbox.stats()
            let request = "GET \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(gw.editorKey)\r\nConnection: close\r\n\r\n"
            let answer = try await blocking { try RawHTTP.status(port: port, request: request) }
            #expect([400, 404].contains(answer.status), "\(path) answered \(answer.status)")
            let after = gw.sandbox.stats()
            #expect(after.apiRequests == before.apiRequests, "\(path) reached the upstream")
        }
    }

    @Test func upstreamFailuresBecomeProblems() async throws {
        var options = TestGateway.Options()
        options.upstreamTimeout = .seconds(4)
        try await withGateway(options) { gw in
            let path = "/contacts/?locationId=\(TestGateway.location)"
            // Every attempt dropped: 502 once the retries are spent.
            gw.sandbox.addFault(.init(pathPrefix: "/contacts", drop: true, times: 20))
            try (try await gw.call("GET", path)).expectProblem(502)
            gw.sandbox.clearFaults()
            // Slower than the whole budget: 504.
            gw.sandbox.addFault(.init(pathPrefix: "/contacts", delayMilliseconds: 6000))
            try (try await gw.call("GET", path)).expectProblem(504)
            #expect(try await gw.call("GET", path).status == 200)
        }
    }

    @Test func unreachableUpstreamIs502Quickly() async throws {
        try await withGateway(.init(connect: false, upstreamURL: "http://127.0.0.1:9")) { gw in
            _ = try await gw.gateway.connections.addPrivateToken(locationId: "loc-x", token: "pit-123", verify: false, by: .operator)
            let started = ContinuousClock.now
            try (try await gw.call("GET", "/contacts/abc?locationId=loc-x")).expectProblem(502)
            // Three refused connections and two short backoffs (at most 0.3 s), against a 30 s budget: well inside it
            // even on a machine loaded past its cores (19 s was seen at a load average of 10).
            #expect(ContinuousClock.now - started < .seconds(25))
        }
    }

    @Test func requestIdIsKeptWhenWellFormedAndMadeOtherwise() async throws {
        try await withGateway { gw in
            let kept = try await gw.call("GET", "/healthz", key: nil, headers: [("X-Request-Id", "trace-123.abc")])
            #expect(kept.header("X-Request-Id") == "trace-123.abc")
            let replaced = try await gw.call("GET", "/healthz", key: nil, headers: [("X-Request-Id", "bad id <x>")])
            #expect(replaced.header("X-Request-Id") != "bad id <x>")
            #expect((replaced.header("X-Request-Id") ?? "").count == 20)
            let ready = try await gw.call("GET", "/readyz", key: nil)
            #expect(ready.status == 200)
        }
    }

    @Test func keyLimitedToALocationIsRefusedElsewhere() async throws {
        try await withGateway { gw in
            let limited = try await gw.gateway.keyAdministration
                .create(name: "limited", role: "editor", locations: ["loc-other"], by: .operator)
            try (try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)", key: limited.key))
                .expectProblem(403, containing: TestGateway.location)
        }
    }
}

@Suite struct OpenAPIDocumentTests {
    /// `/openapi.json` serves the committed document byte for byte, which lists both route tables with their scopes.
    @Test func servesTheCommittedDocumentWithEveryRouteAndScope() async throws {
        try await withGateway { gw in
            let response = try await gw.call("GET", "/openapi.json", key: nil)
            #expect(response.status == 200)
            let committed = try Data(contentsOf: GatewayDocumentTests.root.appendingPathComponent("openapi/gateway.json"))
            #expect(Data(response.body) == committed)
            let document = try response.json()
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
            var seen: [String: String] = [:]
            for (path, item) in paths {
                for (method, operation) in item {
                    seen["\(method.uppercased()) \(path)"] = operation["x-required-scope"] as? String ?? "none"
                }
            }
            var table = Dictionary(uniqueKeysWithValues: RouteTable.contacts.operations.map { ($0.label, $0.scope.rawValue) })
            for route in GatewayRoute.all { table[route.label] = route.scope?.rawValue ?? "none" }
            #expect(seen == table)
            #expect(seen.count == 32 + GatewayRoute.all.count)
        }
    }
}
