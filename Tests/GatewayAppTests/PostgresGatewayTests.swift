import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import HighLevelSandbox
import TestPostgres
import Testing

/// Gateways on one PostgreSQL database, with the sandbox over HTTP as HighLevel: refresh once per expiry whatever the
/// number of nodes, and a refresh journal that tells a rotation elsewhere from a spent token whose answer was lost.
@Suite(.enabled(if: TestPostgres.enabled)) struct PostgresGatewayTests {
    static func concurrentCalls(_ gateways: [TestGateway], each count: Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for gateway in gateways {
                for index in 0..<count {
                    group.addTask {
                        try await gateway.call(
                            "GET", "/contacts/?locationId=\(TestGateway.location)&limit=\(1 + index % 5)"
                        ).status
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Two gateways (or more) on one database, stopped and the database dropped whatever the body does.
    static func withNodes(
        _ count: Int, _ options: TestGateway.Options = .init(), _ body: ([TestGateway], TestDatabase) async throws -> Void
    ) async throws {
        let database = try await TestPostgres.makeDatabase()
        var nodes: [TestGateway] = []
        do {
            var first = options
            first.postgres = database
            first.node = "node-0"
            nodes.append(try await TestGateway.start(first))
            for index in 1..<count {
                var next = options
                next.sharing = nodes[0]
                next.node = "node-\(index)"
                nodes.append(try await TestGateway.start(next))
            }
            try await body(nodes, database)
        } catch {
            for node in nodes.reversed() { await node.stop() }
            await database.drop()
            throw error
        }
        for node in nodes.reversed() { await node.stop() }
        await database.drop()
    }

    @Test func twoGatewaysCallTheTokenEndpointOncePerExpiry() async throws {
        var options = TestGateway.Options()
        options.tokenLifetime = .seconds(3)
        // 160 calls in 6 s would wait for the location's shared window (100 per 10 s), past the 3 s tokens.
        options.upstreamLimit = Rate(count: 1_000, perSeconds: 10)
        try await Self.withNodes(2, options) { nodes, _ in
            let before = try await nodes[0].storedConnection()
            for round in 1...2 {
                try await Task.sleep(for: .milliseconds(3100))
                let requestsBefore = nodes[0].sandbox.stats().tokenRequests
                let statuses = try await Self.concurrentCalls(nodes, each: 40)
                let stats = nodes[0].sandbox.stats()
                print("postgres refresh race, round \(round): \(statuses.filter { $0 == 200 }.count) of 80 answered 200; "
                    + "\(stats.tokenRequests - requestsBefore) token call(s), \(stats.invalidGrants) invalid grant(s)")
                #expect(statuses.allSatisfy { $0 == 200 }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
                #expect(stats.tokenRequests - requestsBefore == 1, "round \(round)")
                #expect(stats.refreshGrants == round && stats.invalidGrants == 0)
            }
            let after = try await nodes[1].storedConnection()
            #expect(after.generation == before.generation + 2 && after.status == .active)
            let journal = try await nodes[0].gateway.repositories.refreshJournal.refreshAttempts(
                locationId: TestGateway.location, limit: 10)
            #expect(journal.count == 2 && journal.allSatisfy { $0.outcome == .rotated }, "\(journal)")
            #expect(journal.map(\.generation) == [before.generation + 1, before.generation])
            #expect(Set(journal.map(\.node)).isSubset(of: ["node-0", "node-1"]))
        }
    }

    @Test func threeGatewaysApplyOneLimitPerKey() async throws {
        try await Self.withNodes(3) { nodes, _ in
            // 10/s with a burst of 10: over 3 s, one gateway would admit 10 + 30; three must not admit three times that.
            let key = try await nodes[0].makeKey(role: "reader", name: "shared-10", rate: "10/s", burst: 10).key
            for node in nodes { node.gateway.keyDirectory.invalidate() }
            #expect(nodes.allSatisfy { $0.gateway.keyLimits.isShared })
            let started = ContinuousClock.now
            let answers = try await withThrowingTaskGroup(of: [(sentAt: Double, status: Int)].self) { group in
                for node in nodes {
                    for _ in 0..<4 {
                        group.addTask {
                            var seen: [(sentAt: Double, status: Int)] = []
                            while ContinuousClock.now - started < .seconds(3) {
                                let sentAt = RateLimitTests.seconds(ContinuousClock.now - started)
                                seen.append((sentAt, try await node.call("GET", "/contacts/?locationId=\(TestGateway.location)", key: key).status))
                            }
                            return seen
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }.sorted { $0.sentAt < $1.sentAt }
            }
            let statuses = answers.map(\.status)
            let elapsed = RateLimitTests.seconds(ContinuousClock.now - started)
            let admitted = statuses.filter { $0 == 200 }.count
            let refused = statuses.filter { $0 == 429 }.count
            let ideal = IdealLimiter.admitted(arrivals: answers.map(\.sentAt), rate: 10, burst: 10)
            print("shared 10/s key on 3 gateways: \(admitted) admitted, \(refused) refused in \(elapsed) s; an ideal limiter admits \(ideal)")
            #expect(admitted + refused == statuses.count, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
            // Never more than one gateway's allowance up to the last answer. Below what one ideal limiter admits of the
            // same arrivals by what the nodes' leases hold unspent (at most a slice each): 37 to 40 of 40 seen.
            #expect(Double(admitted) <= 10 + 10 * elapsed + 1, "\(admitted) in \(elapsed) s")
            #expect(Double(admitted) >= 0.9 * Double(ideal), "\(admitted) of an ideal \(ideal)")
            #expect(refused > 0)
        }
    }

    @Test func threeGatewaysKeepToOneLocationWindowTogether() async throws {
        // HighLevel's 100 per 10 s, scaled to 20 per 2 s so the test is short: the sandbox answers 429 past it.
        var options = TestGateway.Options()
        options.rateLimit = SandboxRateLimit(max: 20, interval: .seconds(2), daily: 200_000)
        options.upstreamLimit = Rate(count: 20, perSeconds: 2)
        try await Self.withNodes(3, options) { nodes, _ in
            let started = ContinuousClock.now
            let statuses = try await Self.concurrentCalls(nodes, each: 20)
            let elapsed = ContinuousClock.now - started
            let stats = nodes[0].sandbox.stats()
            print("shared upstream window, 3 gateways: 60 calls at 20 per 2 s answered in \(elapsed); upstream 429s: \(stats.rateLimited)")
            #expect(statuses.allSatisfy { $0 == 200 }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
            #expect(stats.rateLimited == 0)
            // Three windows' worth: the gateways waited for one another's calls, not only their own.
            #expect(elapsed >= .seconds(3.9))
        }
    }

    @Test func threeGatewaysStopAtTheLocationsDailyBudgetTogether() async throws {
        // HighLevel's 200,000 a day, scaled to 30. No gateway counts it in the database: every answer of HighLevel's
        // carries X-RateLimit-Daily-Remaining, the location's count over every caller, and each gateway takes what the
        // others spent from it. Round robin, so that each gateway's last answer is two calls old when the day runs out.
        var options = TestGateway.Options()
        options.rateLimit = SandboxRateLimit(max: 1_000, interval: .seconds(10), daily: 30)
        options.upstreamLimit = Rate(count: 1_000, perSeconds: 10)
        try await Self.withNodes(3, options) { nodes, _ in
            let before = nodes[0].sandbox.stats()
            var answers: [(status: Int, text: String)] = []
            for index in 0..<60 {
                let answer = try await nodes[index % 3].call("GET", "/contacts/?locationId=\(TestGateway.location)")
                answers.append((answer.status, answer.text))
            }
            let stats = nodes[0].sandbox.stats()
            let admitted = answers.filter { $0.status == 200 }.count
            let upstreamRefusals = stats.rateLimited - before.rateLimited
            let refusedHere = answers.filter { $0.status == 429 && $0.text.contains("daily limit") }.count
            print("shared daily budget of 30, 3 gateways, 60 calls: \(admitted) admitted, \(refusedHere) refused by the gateways, "
                + "\(upstreamRefusals) refused by HighLevel")
            #expect(Set(answers.map(\.status)).isSubset(of: [200, 429]), "\(answers.map(\.status))")
            // The day's budget is spent whole (the gateways' own set-up calls may have spent a little of it)...
            #expect(admitted <= 30 && admitted >= 27, "\(admitted)")
            // ...and past it at most one call per other gateway reaches HighLevel before each knows.
            #expect(upstreamRefusals <= nodes.count - 1, "\(upstreamRefusals)")
            #expect(refusedHere >= 60 - admitted - (nodes.count - 1), "\(refusedHere)")
            // Once spent, the gateways refuse it themselves, the answers after the first refusals all their own.
            #expect(answers.suffix(10).allSatisfy { $0.status == 429 && $0.text.contains("daily limit") })
        }
    }

    @Test func aNodeThatDiedMidRefreshHoldsTheOthersUpOnlyForItsLease() async throws {
        var options = TestGateway.Options()
        options.tokenLifetime = .seconds(2)
        options.lifecycle = TokenLifecycle(refreshLease: 2)
        try await Self.withNodes(2, options) { nodes, _ in
            try await Task.sleep(for: .milliseconds(2100))
            // A node claimed the refresh and died before calling HighLevel: the token is still good.
            let stored = try await nodes[0].storedConnection()
            let dead = try await Self.claimAsDeadNode(stored, in: nodes[0], lease: 2)
            let started = ContinuousClock.now
            let statuses = try await Self.concurrentCalls(nodes, each: 10)
            let waited = ContinuousClock.now - started
            #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            #expect(waited >= .milliseconds(1500) && waited < .seconds(10), "\(waited)")
            #expect(nodes[0].sandbox.stats().refreshGrants == 1 && nodes[0].sandbox.stats().invalidGrants == 0)
            let journal = try await nodes[0].gateway.repositories.refreshJournal.refreshAttempts(
                locationId: TestGateway.location, limit: 10)
            #expect(journal.count == 2 && journal.last?.id == dead.id && journal.last?.outcome == nil, "\(journal)")
            #expect(journal.first?.outcome == .rotated && journal.first?.node != "dead-node")
        }
    }

    @Test func aTokenSpentByAnAnswerThatWasLostNeedsAuthorizationAtOnce() async throws {
        var options = TestGateway.Options()
        options.tokenLifetime = .seconds(2)
        options.lifecycle = TokenLifecycle(refreshLease: 1)
        let logs = LogCapture()
        options.logger = logs.logger()
        try await Self.withNodes(1, options) { nodes, _ in
            let gw = nodes[0]
            try await Task.sleep(for: .milliseconds(2100))
            // A node claimed the refresh, spent the token at HighLevel, and died before its answer was stored.
            let stored = try await gw.storedConnection()
            _ = try await Self.claimAsDeadNode(stored, in: gw, lease: 1)
            let spent = try await Self.spend(try #require(stored.refreshToken), at: gw)
            #expect(spent == 200)

            let response = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            try response.expectProblem(503, containing: "authorize it again")
            // Marked by the journal's verdict (its detail says so), not after rechecking for a rotation elsewhere.
            let dead = try await gw.storedConnection()
            #expect(dead.status == .needsAuthorization && dead.statusDetail?.contains("answer was lost") == true)
            #expect(logs.text.contains("refresh token was spent and its answer lost"), "\(logs.text.suffix(2000))")
            let metrics = try await gw.call("GET", "/metrics", key: nil)
            #expect(metrics.text.contains("gateway_token_refresh_answers_lost_total 1"))
        }
    }

    /// Journals an attempt as a node that then died would have left it: claimed, never finished.
    static func claimAsDeadNode(_ stored: Connection, in gw: TestGateway, lease: TimeInterval) async throws
        -> RefreshAttempt
    {
        let now = Date()
        let attempt = RefreshAttempt(
            locationId: stored.locationId, generation: stored.generation,
            tokenHash: RefreshAttempt.hash(refreshToken: try #require(stored.refreshToken)), node: "dead-node",
            startedAt: now, leaseUntil: now.addingTimeInterval(lease))
        #expect(try await gw.gateway.repositories.refreshJournal.claimRefresh(attempt, now: now) == .granted)
        return attempt
    }

    /// Spends a refresh token at the sandbox's token endpoint behind the gateways' backs.
    static func spend(_ refreshToken: String, at gw: TestGateway) async throws -> Int {
        let form = "client_id=sandbox-client-id&client_secret=sandbox-client-secret&grant_type=refresh_token"
            + "&refresh_token=\(refreshToken)&user_type=Location"
        return try await gw.client.execute(
            CurlRequest(
                method: "POST", url: gw.sandboxURL + "/oauth/token",
                headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8))
        ).status
    }
}

/// `serve` and the commands, as built, on a PostgreSQL database: what an operator types.
@Suite(.enabled(if: TestPostgres.enabled), .serialized) struct PostgresProcessTests {
    @Test func serveAndEveryCommandWorkOnPostgresAndRefuseWithOneLine() async throws {
        let database = try await TestPostgres.makeDatabase()
        defer { Task { await database.drop() } }
        let secret = GatewaySecret.generate().base64
        let environment = ["GATEWAY_SECRET_KEY": secret, "GATEWAY_DATABASE": database.url]
        func command(_ arguments: [String], _ environment: [String: String]) async throws -> Executable.Result {
            try await blocking { try Executable.run(arguments, environment: environment) }
        }

        // No secret: PostgreSQL needs the one every gateway shares.
        CLI.expectFailure(
            try await command(["keys", "list"], ["GATEWAY_SECRET_KEY": "", "GATEWAY_DATABASE": database.url]),
            containing: "GATEWAY_SECRET_KEY is required with PostgreSQL")
        // Nothing listens: one line, exit 1, no password shown.
        let unreachable = try await command(
            ["keys", "list"],
            ["GATEWAY_SECRET_KEY": secret, "GATEWAY_DATABASE": "postgres://u:hunter2@127.0.0.1:1/x?sslmode=disable"])
        CLI.expectFailure(unreachable, containing: "cannot open postgres://u@127.0.0.1:1/x")
        #expect(!unreachable.stderr.contains("hunter2"))
        // `serve` too: one line, exit 1, before it listens.
        let unreachableServe = try await command(
            ["serve", "--listen", "127.0.0.1:0"],
            ["GATEWAY_SECRET_KEY": secret, "GATEWAY_DATABASE": "postgres://u:hunter2@127.0.0.1:1/x?sslmode=disable"])
        CLI.expectFailure(unreachableServe, containing: "cannot open postgres://u@127.0.0.1:1/x")
        #expect(!unreachableServe.stderr.contains("hunter2") && !unreachableServe.stdout.contains("listening"))

        let server = try await ServerProcess.start(arguments: ["serve", "--listen", "127.0.0.1:0"], environment: environment)
        defer { server.stop() }
        let created = try await command(["keys", "create", "--name", "ops", "--role", "reader", "--output", "json"], environment)
        #expect(created.status == 0, "\(created.stderr)")
        let key = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let secretKey = try #require(key["key"] as? String)
        // The key made by the command works on the server: no connection yet (503), not an unknown key (401).
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        var status = 0
        for _ in 0..<40 {
            status = try await client.execute(
                CurlRequest(
                    method: "GET", url: "http://127.0.0.1:\(server.port)/contacts/?locationId=loc-9",
                    headers: [("Authorization", "Bearer \(secretKey)")])
            ).status
            if status != 401 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == 503)
        // Nothing upstream to check a private token against here: stored as given.
        let added = try await command(
            ["connections", "add-token", "--location", "loc-9", "--token", "pit-1", "--no-verify"], environment)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try await command(["connections", "list", "--output", "json"], environment).stdout.contains("loc-9"))
        #expect(try await command(["roles", "create", "support", "--scopes", "contacts.readonly"], environment).status == 0)
        #expect(try await command(["roles", "list"], environment).stdout.contains("support"))
        let verified = try await command(["audit", "verify"], environment)
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        #expect(try await command(["audit", "list", "--output", "json"], environment).stdout.contains("loc-9"))

        // A node with another secret than the one the database was sealed with refuses to start.
        let stranger = ["GATEWAY_SECRET_KEY": GatewaySecret.generate().base64, "GATEWAY_DATABASE": database.url]
        CLI.expectFailure(try await command(["keys", "list"], stranger), containing: "sealed with another GATEWAY_SECRET_KEY")
        let refused = try await command(["serve", "--listen", "127.0.0.1:0"], stranger)
        CLI.expectFailure(refused, containing: "sealed with another GATEWAY_SECRET_KEY")
    }

    @Test func aKeyMadeByACommandWorksAtOnceOnTwoServersAndItsRevocationReachesBothWithinASecond() async throws {
        let database = try await TestPostgres.makeDatabase()
        defer { Task { await database.drop() } }
        let environment = ["GATEWAY_SECRET_KEY": GatewaySecret.generate().base64, "GATEWAY_DATABASE": database.url]
        func command(_ arguments: [String]) async throws -> Executable.Result {
            try await blocking { try Executable.run(arguments, environment: environment) }
        }
        let first = try await ServerProcess.start(arguments: ["serve", "--listen", "127.0.0.1:0"], environment: environment)
        defer { first.stop() }
        let second = try await ServerProcess.start(arguments: ["serve", "--listen", "127.0.0.1:0"], environment: environment)
        defer { second.stop() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        func status(_ server: ServerProcess, _ key: String) async throws -> Int {
            try await client.execute(
                CurlRequest(
                    method: "GET", url: "http://127.0.0.1:\(server.port)/contacts/?locationId=loc-1",
                    headers: [("Authorization", "Bearer \(key)")])
            ).status
        }
        // Both servers have read their keys once (an unknown key), then a command makes one.
        let made = try await command(["keys", "create", "--name", "new", "--role", "reader", "--output", "json"])
        #expect(made.status == 0, "\(made.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])
        let key = try #require(json["key"] as? String)
        let id = try #require(json["id"] as? String)
        // At once, first try, on each: no connection yet (503), never an unknown key (401).
        #expect(try await status(first, key) == 503)
        #expect(try await status(second, key) == 503)
        // Revoked by a command on the database: both refuse it within a second, by notification.
        let started = ContinuousClock.now
        #expect(try await command(["keys", "revoke", id]).status == 0)
        let revokedAt = ContinuousClock.now
        var seen: [Duration] = []
        for server in [first, second] {
            while try await status(server, key) != 401 {
                guard ContinuousClock.now - revokedAt < .seconds(3) else { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            seen.append(ContinuousClock.now - revokedAt)
        }
        #expect(seen.allSatisfy { $0 < .seconds(1) }, "revocation seen after \(seen) (command took \(revokedAt - started))")
    }
}
