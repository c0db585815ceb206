import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

extension FirstHour {
    /// Issue 19, item 6: the audit search as a reviewer uses it, by the real CLI over a real trail.
    @Suite struct AuditSearchTests {
        @Test func filtersReadWhatPeopleWriteAndSayWhenTheyMatchNoRoute() async throws {
            try await withGateway { gw in
                let search = try await gw.call("POST", "/contacts/search", json: #"{"locationId":"loc-sandbox","pageLimit":1}"#)
                #expect(search.status == 200, "\(search.text)")
                _ = try await gw.call("GET", "/contacts/abc", key: nil)
                // Probes are counted in metrics, not in the trail.
                for path in ["/healthz", "/readyz", "/metrics", "/healthz"] {
                    #expect(try await gw.call("GET", path, key: nil).status == 200)
                }
                let database = gw.database
                let all = try await CLI.json(["audit", "list", "--limit", "1000"], database: database)
                let routes = try #require(all["records"] as? [[String: Any]]).compactMap { $0["route"] as? String }
                #expect(!routes.contains { ["GET /healthz", "GET /readyz", "GET /metrics"].contains($0) }, "\(routes)")
                let metrics = try await gw.call("GET", "/metrics", key: nil).text
                #expect(metrics.contains(#"route="GET /healthz""#), "probes are not counted in metrics")

                func records(_ filters: [String]) async throws -> [[String: Any]] {
                    let listed = try await CLI.json(["audit", "list"] + filters, database: database)
                    return try #require(listed["records"] as? [[String: Any]])
                }
                // A path finds its route; so does the template, and a method with a concrete path.
                for route in ["/contacts/search", "POST /contacts/search", "post /contacts/search"] {
                    let found = try await records(["--route", route])
                    #expect(found.count == 1 && found.first?["route"] as? String == "POST /contacts/search", "\(route)")
                }
                #expect(try await records(["--route", "GET /contacts/abc"]).count == 1)
                // A route that is not one, or is several: said, not an empty answer.
                CLI.expectFailure(
                    try await CLI.run(["audit", "list", "--route", "/contact/search"], database: database),
                    containing: "matches none of the gateway's routes")
                CLI.expectFailure(
                    try await CLI.run(["audit", "list", "--route", "/contacts/{contactId}"], database: database),
                    containing: "several routes")

                // --key takes the name the table shows, or the id.
                let editorId = try #require(gw.editorKey.split(separator: "_").dropFirst().first.map(String.init))
                let byName = try await records(["--key", "test-editor"])
                #expect(!byName.isEmpty && byName.allSatisfy { $0["keyId"] as? String == editorId })
                #expect(try await records(["--key", editorId]).count == byName.count)
                CLI.expectFailure(
                    try await CLI.run(["audit", "list", "--key", "nobody"], database: database), containing: "neither")

                // --status, as the API has it.
                let unauthenticated = try await records(["--status", "401"])
                #expect(unauthenticated.count == 1 && unauthenticated.first?["route"] as? String == "GET /contacts/{contactId}")
                CLI.expectFailure(
                    try await CLI.run(["audit", "list", "--status", "teapot"], database: database), containing: "HTTP status")

                // Times: 10min, a bare date.
                #expect(try await records(["--since", "10min"]).count >= 2)
                let today = String(Timestamp.rfc3339(Date()).prefix(10))
                #expect(try await records(["--since", today]).count >= 2)
                #expect(try await records(["--until", "2000-01-01"]).isEmpty)

                // export takes no --output that it would ignore.
                CLI.expectFailure(
                    try await CLI.run(["audit", "export", "--output", "json"], database: database), containing: "--output")
                // JSONL with its keys sorted, as the API's records.
                let jsonl = try await CLI.run(["audit", "export", "--format", "jsonl"], database: database)
                let line = try #require(jsonl.stdout.split(separator: "\n").first.map(String.init))
                let keys = line.matches(of: /"([A-Za-z]+)":/).map { String($0.output.1) }
                #expect(!keys.isEmpty && keys == keys.sorted(), "\(keys)")

                // prune --dry-run counts and deletes nothing.
                let before = try await records(["--limit", "1000"]).count
                let soon = Timestamp.rfc3339(Date().addingTimeInterval(60))
                let dry = try await CLI.json(["audit", "prune", "--before", soon, "--dry-run"], database: database)
                #expect((dry["wouldPrune"] as? Int ?? 0) >= 2, "\(dry)")
                #expect(try await records(["--limit", "1000"]).count == before)
                #expect(try await gw.verifyAudit().ok)
            }
        }

        @Test func csvCellsThatASpreadsheetWouldRunAreQuotedAsText() async throws {
            try await withGateway { gw in
                // A request id the caller chose, beginning with "-": a formula to a spreadsheet.
                _ = try await gw.call("GET", "/openapi.json", key: nil, headers: [("X-Request-Id", "-2-3")])
                let csv = try await CLI.run(["audit", "export", "--format", "csv"], database: gw.database)
                #expect(csv.stdout.contains(#","'-2-3","#), "\(csv.stdout)")
            }
            for (cell, quoted) in [("=1+1", #""'=1+1""#), ("+1", #""'+1""#), ("@SUM(A1)", #""'@SUM(A1)""#),
                                   ("-5", #""'-5""#), ("=\"x\"", #""'=""x""""#), ("plain", "plain"), ("a,b", #""a,b""#)] {
                #expect(AuditExportFormat.csvCell(cell) == quoted, "\(cell)")
            }
        }
    }
}
