import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import Testing

/// Issue 20, item 3: a stranger with a wrong key costs a bounded number of audit rows, and a good key from the same
/// address still gets in.
@Suite struct FailedAuthenticationFloodTests {
    @Test func aFloodOfWrongKeysCostsItsAllowanceAndOneRecord() async throws {
        var options = TestGateway.Options()
        // An allowance that does not refill during the flood, however slowly a loaded machine sends it.
        options.authFailureLimit = Rate(count: 5, perSeconds: 3600)
        options.failedAuthenticationAuditInterval = .seconds(1)
        try await withGateway(options) { gw in
            let wrong = "cgw_aaaaaaaaaaaa_" + String(repeating: "b", count: 32)
            var statuses: [Int: Int] = [:]
            let started = ContinuousClock.now
            var retryAfter: String?
            for index in 0..<200 {
                // Wrong keys, no key, malformed keys: every kind of failed authentication counts.
                let key: String? = [wrong, nil, "nonsense"][index % 3]
                let response = try await gw.call("GET", "/contacts/?locationId=loc-sandbox", key: key)
                statuses[response.status, default: 0] += 1
                if response.status == 429 {
                    retryAfter = response.header("Retry-After")
                    try response.expectProblem(429, containing: "unrecognised key")
                }
            }
            let floodSeconds = Double((ContinuousClock.now - started).components.seconds) + 1
            #expect(statuses == [401: 5, 429: 195])
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 && $0 <= 720 } == true, "\(String(describing: retryAfter))")
            // A good key from the same address is not held back.
            #expect(try await gw.call("GET", "/contacts/?locationId=loc-sandbox", key: gw.readerKey).status == 200)

            // 5 records one by one, then the run as one record with its count for each second it lasted (the
            // auditor's interval here), usually one.
            var records: [AuditRecord] = []
            var runs: [AuditRecord] = []
            for _ in 0..<60 {
                records = try await gw.store.auditRecords(matching: AuditQuery(), limit: 1000)
                runs = records.filter { $0.route == FailedAuthentications.auditRoute }
                if runs.reduce(0, { $0 + ($1.count ?? 0) }) >= 195 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(records.filter { $0.status == 401 }.count == 5)
            #expect(runs.reduce(0, { $0 + ($1.count ?? 0) }) == 195)
            // One record per auditor interval (1 s here) that the flood lasted, plus one for the interval it ended in.
            #expect(runs.count >= 1 && Double(runs.count) <= floodSeconds + 2, "\(runs.count) records, \(floodSeconds) s")
            #expect(runs.allSatisfy { $0.client == "127.0.0.1" && $0.status == 429 && $0.outcome == "rate_limited" })
            #expect(records.count == 5 + runs.count + 1, "\(records.map(\.route))")
            #expect(try await gw.verifyAudit().ok)
            // The run is in the review API and in exports like any record.
            let page = try await gw.call("GET", "/admin/v1/audit?outcome=rate_limited", key: gw.adminKey).json()
            let shown = try #require(page["records"] as? [[String: Any]])
            #expect(shown.compactMap { $0["count"] as? Int } == runs.compactMap(\.count))
            let csv = try await CLI.run(["audit", "export", "--format", "csv"], database: gw.database)
            #expect(csv.stdout.split(separator: "\r\n").first?.contains(",client,count,") == true)
            #expect(csv.stdout.contains(",127.0.0.1,\(runs[0].count ?? 0),"))
        }
    }

    @Test func theLimitIsASettingThatCanBeOff() async throws {
        var options = TestGateway.Options()
        options.authFailureLimit = nil
        try await withGateway(options) { gw in
            for _ in 0..<40 {
                let response = try await gw.call("GET", "/contacts/", key: "nonsense")
                #expect(response.status == 401)
            }
        }
        let bad = try await blocking {
            try Executable.run(["serve", "--auth-failure-limit", "lots", "--database", "sqlite:/nonexistent/x.sqlite"])
        }
        #expect(bad.status == 1 && bad.stderr.contains(#"auth.failure.limit: "lots" is not a rate"#), "\(bad.stderr)")
    }
}
