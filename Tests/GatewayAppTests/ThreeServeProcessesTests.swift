import CurlHTTP
import Foundation
import GatewayCore
import HighLevelSandbox
import TestPostgres
import Testing

/// Three `serve` processes, as built and as an operator starts them, on one PostgreSQL database with the sandbox over
/// HTTP as HighLevel: the replicas behind a load balancer, which must behave as one gateway. An OAuth flow started on
/// one finishes on another; a key's limit holds across the three; a revocation reaches every one; a racing refresh
/// calls the token endpoint once; the location's window holds with no 429 from HighLevel; the trail they wrote
/// together verifies as one chain.
@Suite(.enabled(if: TestPostgres.enabled), .serialized) struct ThreeServeProcessesTests {
    static let location = "loc-sandbox"

    struct Nodes {
        let servers: [ServerProcess]
        let environment: [String: String]
        let client: CurlHTTPClient

        func url(_ index: Int, _ path: String) -> String { "http://127.0.0.1:\(servers[index].port)\(path)" }

        func call(_ index: Int, _ path: String, key: String) async throws -> CurlResponse {
            try await client.execute(
                CurlRequest(method: "GET", url: url(index, path), headers: [("Authorization", "Bearer \(key)")]))
        }

        func command(_ arguments: [String]) async throws -> Executable.Result {
            let environment = environment
            return try await blocking { try Executable.run(arguments, environment: environment) }
        }

        /// A command with `--output json` that must succeed.
        func json(_ arguments: [String]) async throws -> [String: Any] {
            let result = try await command(arguments + ["--output", "json"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test func threeServeProcessesOnOneDatabaseBehaveAsOneGateway() async throws {
        var configuration = SandboxConfiguration()
        // Short enough to expire during the test, long enough that the phases before the race fit in one lifetime.
        configuration.tokenLifetime = .seconds(8)
        let sandbox = try await SandboxServer.start(configuration)
        let database = try await TestPostgres.makeDatabase()
        let client = try CurlHTTPClient()
        var servers: [ServerProcess] = []
        do {
            let shared = [
                "GATEWAY_SECRET_KEY": GatewaySecret.generate().base64,
                "GATEWAY_DATABASE": database.url,
                "GATEWAY_UPSTREAM_URL": sandbox.url,
                "GATEWAY_AUTHORIZE_URL": sandbox.url + "/v2/oauth/chooselocation",
                "GATEWAY_CLIENT_ID": configuration.clientId,
                "GATEWAY_CLIENT_SECRET": configuration.clientSecret,
                // Registered with the app once for all replicas: the load balancer's address in production.
                "GATEWAY_REDIRECT_URL": "http://127.0.0.1:9/oauth/callback",
            ]
            for index in 0..<3 {
                servers.append(
                    try await ServerProcess.start(
                        arguments: ["serve", "--listen", "127.0.0.1:0"],
                        environment: shared.merging(["GATEWAY_NODE": "node-\(index)"]) { $1 }))
            }
            try await Self.behaveAsOne(Nodes(servers: servers, environment: shared, client: client), sandbox: sandbox.sandbox)
        } catch {
            Issue.record(error)
        }
        for server in servers { server.stop() }
        client.shutdown()
        await sandbox.stop()
        await database.drop()
    }

    static func behaveAsOne(_ nodes: Nodes, sandbox: HighLevelSandbox) async throws {
        // Its own limit well above the location's window, so that what the window does is what the calls see.
        let admin = try await nodes.json(
            ["keys", "create", "--name", "ops", "--role", "admin", "--rate", "100/s", "--burst", "200"])
        let adminKey = try #require(admin["key"] as? String)

        // Connect through OAuth as an admin's browser would: started on node 0, finished on node 1 (one-time states
        // live in the database, so the load balancer may send the callback anywhere).
        let link = try await nodes.json(
            ["connections", "authorize-url", "--url", nodes.url(0, ""), "--location", location])
        let start = try await nodes.client.execute(CurlRequest(method: "GET", url: try #require(link["authorizeUrl"] as? String)))
        let consentURL = try #require(start.header("Location"), "\(start.status) \(start.text)")
        let consent = try await nodes.client.execute(CurlRequest(method: "GET", url: consentURL + "&locationId=\(location)"))
        let redirect = try #require(consent.header("Location"), "\(consent.status) \(consent.text)")
        let query = try #require(redirect.split(separator: "?", maxSplits: 1).last.map(String.init))
        let callback = try await nodes.client.execute(CurlRequest(method: "GET", url: nodes.url(1, "/oauth/callback?\(query)")))
        #expect(callback.status == 200, "\(callback.text)")
        let connectedAt = ContinuousClock.now

        // One limit per key: 10/s with a burst of 10 on an admin route (nothing upstream), four callers per node.
        let limited = try await nodes.json(["keys", "create", "--name", "shared-10", "--role", "admin", "--rate", "10/s", "--burst", "10"])
        let limitedKey = try #require(limited["key"] as? String)
        let limitedId = try #require(limited["id"] as? String)
        let started = ContinuousClock.now
        let answers = try await withThrowingTaskGroup(of: [(sentAt: Double, status: Int)].self) { group in
            for index in 0..<3 {
                for _ in 0..<4 {
                    group.addTask {
                        var seen: [(sentAt: Double, status: Int)] = []
                        while ContinuousClock.now - started < .seconds(3) {
                            let sentAt = seconds(ContinuousClock.now - started)
                            seen.append((sentAt, try await nodes.call(index, "/admin/v1/roles", key: limitedKey).status))
                        }
                        return seen
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }.sorted { $0.sentAt < $1.sentAt }
        }
        let statuses = answers.map(\.status)
        let elapsed = seconds(ContinuousClock.now - started)
        let admitted = statuses.filter { $0 == 200 }.count
        let ideal = IdealLimiter.admitted(arrivals: answers.map(\.sentAt), rate: 10, burst: 10)
        print("three serve processes, a shared 10/s key: \(admitted) admitted of \(statuses.count) in \(elapsed) s; "
            + "an ideal limiter admits \(ideal)")
        #expect(Set(statuses).isSubset(of: [200, 429]), "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
        #expect(Double(admitted) <= 10 + 10 * elapsed + 1, "\(admitted) in \(elapsed) s")
        #expect(Double(admitted) >= 0.9 * Double(ideal), "\(admitted) of an ideal \(ideal)")

        // Revoked by a command: no node serves it a second after.
        #expect(try await nodes.command(["keys", "revoke", limitedId]).status == 0)
        let revokedAt = ContinuousClock.now
        for index in 0..<3 {
            var lastServed: Double = 0
            while true {
                let sentAt = seconds(ContinuousClock.now - revokedAt)
                let status = try await nodes.call(index, "/admin/v1/roles", key: limitedKey).status
                if status == 401 { break }
                lastServed = sentAt
                guard sentAt < 3 else { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(lastServed <= 1.2, "node-\(index) still served the revoked key \(lastServed) s after")
        }

        // A racing refresh: the token has expired, and thirty calls arrive at the three nodes at once.
        try await Task.sleep(until: connectedAt + .milliseconds(8_200), clock: .continuous)
        let raceStart = ContinuousClock.now
        let before = sandbox.stats()
        let raced = try await concurrentCalls(nodes, key: adminKey, each: 10)
        let afterRace = sandbox.stats()
        print("three serve processes, refresh race: \(raced.filter { $0 == 200 }.count) of 30 answered 200; "
            + "\(afterRace.tokenRequests - before.tokenRequests) token call(s)")
        #expect(raced.allSatisfy { $0 == 200 }, "\(raced)")
        #expect(afterRace.tokenRequests - before.tokenRequests == 1)

        // One window per location: 90 more calls within the 10 s of HighLevel's 100, so some wait for it to roll.
        let shaped = try await concurrentCalls(nodes, key: adminKey, each: 30)
        let shapedIn = seconds(ContinuousClock.now - raceStart)
        let stats = sandbox.stats()
        print("three serve processes, 120 calls at 100 per 10 s: the last answered \(shapedIn) s after the first; "
            + "upstream 429s: \(stats.rateLimited); refresh grants \(stats.refreshGrants), invalid grants \(stats.invalidGrants)")
        #expect(shaped.allSatisfy { $0 == 200 }, "\(Dictionary(grouping: shaped, by: { $0 }).mapValues(\.count))")
        #expect(stats.rateLimited == 0)
        #expect(stats.invalidGrants == 0)
        // Every token call was the code exchange or one expiry's single refresh (the token expired again meanwhile).
        #expect(stats.tokenRequests == 1 + stats.refreshGrants && stats.refreshGrants <= 2, "\(stats)")
        // The 120 did not all go in one window: past the 100th, the nodes waited for one another's calls to leave it.
        #expect(shapedIn >= 9.5, "\(shapedIn)")

        // One trail: written by all three, and it verifies as one chain.
        let verified = try await nodes.command(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        let listed = try await nodes.json(["audit", "list", "--limit", "1000"])
        let records = try #require(listed["records"] as? [[String: Any]], "\(listed.keys)")
        #expect(Set(records.compactMap { $0["node"] as? String }) == ["node-0", "node-1", "node-2"])
    }

    /// `each` contact lists sent to every node at once.
    static func concurrentCalls(_ nodes: Nodes, key: String, each: Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<3 {
                for call in 0..<each {
                    group.addTask {
                        try await nodes.call(index, "/contacts/?locationId=\(location)&limit=\(1 + call % 5)", key: key).status
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}
