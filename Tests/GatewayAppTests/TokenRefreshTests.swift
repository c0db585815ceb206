import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

/// The token lifecycle through real HTTP: the sandbox rotates single-use refresh tokens like HighLevel does.
@Suite struct TokenRefreshTests {
    static func concurrentCalls(_ gw: TestGateway, count: Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)&limit=\(1 + index % 5)").status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func hundredConcurrentRequestsAtExpiryCauseExactlyOneRefresh() async throws {
        var options = TestGateway.Options()
        // Long enough that the refreshed token cannot lapse again while the 100 calls run on a loaded machine (4 s
        // did, under the whole suite's load).
        options.tokenLifetime = .seconds(10)
        try await withGateway(options) { gw in
            let before = try await gw.storedConnection()
            try await Task.sleep(for: .milliseconds(10_100))
            let statuses = try await Self.concurrentCalls(gw, count: 100)
            #expect(statuses.count == 100)
            #expect(statuses.allSatisfy { $0 == 200 }, "statuses: \(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
            let stats = gw.sandbox.stats()
            print("refresh race: \(statuses.filter { $0 == 200 }.count) of 100 answered 200; "
                + "\(stats.refreshGrants) refresh call(s), \(stats.invalidGrants) invalid grant(s)")
            #expect(stats.refreshGrants == 1)
            #expect(stats.invalidGrants == 0)
            let after = try await gw.storedConnection()
            #expect(after.generation == before.generation + 1)
            #expect(after.refreshToken != before.refreshToken)
        }
    }

    @Test func twoGatewaysSharingOneStoreNeverLoseTheRefreshToken() async throws {
        var options = TestGateway.Options()
        // Long enough that the refreshed token cannot lapse again while the 100 calls run (2 s did, under load).
        options.tokenLifetime = .seconds(8)
        let first = try await TestGateway.start(options)
        var sharing = TestGateway.Options()
        sharing.sharing = first
        let second: TestGateway
        do {
            second = try await TestGateway.start(sharing)
        } catch {
            await first.stop()
            throw error
        }
        do {
            try await Task.sleep(for: .milliseconds(8100))
            async let a = Self.concurrentCalls(first, count: 50)
            async let b = Self.concurrentCalls(second, count: 50)
            let statuses = try await a + b
            #expect(statuses.allSatisfy { $0 == 200 }, "statuses: \(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
            let stats = first.sandbox.stats()
            // One refresh for both: the refresh journal in the shared file gives the refresh to one of them.
            #expect(stats.refreshGrants == 1 && stats.invalidGrants == 0)
            #expect(try await first.storedConnection().status == .active)
            // And the stored refresh token is the live one: the next refresh with it works.
            try await Task.sleep(for: .milliseconds(8100))
            let later = try await first.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            #expect(later.status == 200)
        } catch {
            await second.stop(removeFiles: false)
            await first.stop()
            throw error
        }
        await second.stop(removeFiles: false)
        await first.stop()
    }

    @Test func upstream401RefreshesAndRetriesOnce() async throws {
        try await withGateway { gw in
            gw.sandbox.expireAccessTokens(locationId: TestGateway.location)
            let response = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            #expect(response.status == 200, "\(response.text)")
            #expect(gw.sandbox.stats().refreshGrants == 1)
        }
    }

    @Test func deadRefreshTokenAsksForAuthorizationAndStopsCallingTheTokenEndpoint() async throws {
        var options = TestGateway.Options()
        options.tokenLifetime = .seconds(2)
        try await withGateway(options) { gw in
            // Someone else uses the refresh token behind the gateway's back: HighLevel now refuses it.
            let stolen = try #require(try await gw.storedConnection().refreshToken)
            let form = "client_id=sandbox-client-id&client_secret=sandbox-client-secret&grant_type=refresh_token&refresh_token=\(stolen)&user_type=Location"
            let rotated = try await gw.client.execute(CurlRequest(
                method: "POST", url: gw.sandboxURL + "/oauth/token",
                headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8)))
            #expect(rotated.status == 200)
            try await Task.sleep(for: .milliseconds(2100))

            let response = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            try response.expectProblem(503, containing: "authorize it again")
            let stored = try await gw.storedConnection()
            #expect(stored.status == .needsAuthorization)
            let tokenRequests = gw.sandbox.stats().tokenRequests
            let again = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            try again.expectProblem(503, containing: "authorize it again")
            #expect(gw.sandbox.stats().tokenRequests == tokenRequests)
        }
    }

    @Test(arguments: [
        SandboxFault(pathPrefix: "/oauth/token", status: 503, body: #"{"statusCode":503,"message":"Service Unavailable"}"#),
        SandboxFault(pathPrefix: "/oauth/token", drop: true),
        SandboxFault(pathPrefix: "/oauth/token", status: 500, body: "oops"),
    ])
    func failingTokenEndpointIsTransientAndKeepsTheRefreshToken(fault: SandboxFault) async throws {
        var options = TestGateway.Options()
        options.tokenLifetime = .seconds(2)
        options.lifecycle = TokenLifecycle(retryBase: 3)
        try await withGateway(options) { gw in
            let before = try await gw.storedConnection()
            try await Task.sleep(for: .milliseconds(2100))
            gw.sandbox.addFault(fault)
            let failed = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            try failed.expectProblem(503, containing: "refresh token is kept")
            #expect(failed.header("Retry-After") != nil)
            let kept = try await gw.storedConnection()
            #expect(kept.refreshToken == before.refreshToken)
            #expect(kept.status == .active)
            // Inside the backoff the token endpoint is left alone.
            let tokenRequests = gw.sandbox.stats().tokenRequests
            try (try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")).expectProblem(503)
            #expect(gw.sandbox.stats().tokenRequests == tokenRequests)
            try await Task.sleep(for: .milliseconds(3200))
            let recovered = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            #expect(recovered.status == 200, "\(recovered.text)")
            #expect(gw.sandbox.stats().refreshGrants == 1)
        }
    }

    @Test func inactiveLocationKeepsItsRefreshToken() async throws {
        var options = TestGateway.Options()
        options.tokenLifetime = .seconds(2)
        options.lifecycle = TokenLifecycle(inactiveLocationRetry: 3)
        try await withGateway(options) { gw in
            let before = try await gw.storedConnection()
            try await Task.sleep(for: .milliseconds(2100))
            gw.sandbox.setLocationActive(TestGateway.location, false)
            let failed = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            try failed.expectProblem(503, containing: "not active")
            #expect(try await gw.storedConnection().refreshToken == before.refreshToken)
            gw.sandbox.setLocationActive(TestGateway.location, true)
            try await Task.sleep(for: .milliseconds(3200))
            let recovered = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            #expect(recovered.status == 200, "\(recovered.text)")
        }
    }

    @Test func refreshedPairIsHeldWhenTheStoreCannotTakeItAndCommittedLater() async throws {
        var options = TestGateway.Options()
        options.tokenLifetime = .seconds(2)
        // With `commit` durability a locked store stops the request before any upstream call (the audit trail fails
        // closed); `async` lets it reach the refresh, which is what this test is about.
        options.auditDurability = .async
        try await withGateway(options) { gw in
            try await Task.sleep(for: .milliseconds(2100))
            // The refresh is claimed (journaled) while the store is writable; HighLevel answers slowly, and meanwhile
            // another process takes the write lock for longer than the gateway's busy timeout (5 s).
            // Long enough for the locking process to start on a loaded machine before the answer comes back.
            gw.sandbox.addFault(SandboxFault(pathPrefix: "/oauth/token", delayMilliseconds: 12_000))
            let started = ContinuousClock.now
            async let failed = gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            let journal = gw.gateway.repositories.refreshJournal
            for _ in 0..<400 {
                if try await !journal.refreshAttempts(locationId: TestGateway.location, limit: 1).isEmpty { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            let claimed = ContinuousClock.now - started
            // Held until the answer is in, however long: the gateway's writes queue behind one another (the async
            // audit writer waits out its own busy timeouts first), so a lock of fixed length could end before the
            // refresh's commit even starts waiting, and then the commit would succeed (seen on a loaded CI run).
            let lock = try await StoreLock.hold(gw.databasePath, seconds: 120)
            let locked = ContinuousClock.now - started
            let answer = try await failed
            // The lock must be held before HighLevel's answer (12 s after the claim) for this test to mean anything.
            #expect(locked - claimed < .seconds(12), "claimed after \(claimed), locked after \(locked)")
            try answer.expectProblem(503, containing: "tries again")
            #expect(gw.sandbox.stats().refreshGrants == 1)
            try await lock.end()
            let recovered = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            #expect(recovered.status == 200, "\(recovered.text)")
            // The held pair was committed (generation 2); its access token had expired while held, so its refresh
            // token was used at once (generation 3): HighLevel accepted it, nothing was lost.
            let stats = gw.sandbox.stats()
            #expect(stats.refreshGrants == 2)
            #expect(stats.invalidGrants == 0)
            #expect(try await gw.storedConnection().generation == 3)
        }
    }

    @Test func aStoreThatCannotJournalTheRefreshStopsItBeforeHighLevelIsCalled() async throws {
        var options = TestGateway.Options()
        options.tokenLifetime = .seconds(2)
        options.auditDurability = .async
        try await withGateway(options) { gw in
            try await Task.sleep(for: .milliseconds(2100))
            let tokenRequests = gw.sandbox.stats().tokenRequests
            // Held until the answer is in, however long (a lock of fixed length ended before the journal's write
            // even started waiting on a loaded CI run, and then the refresh went ahead).
            let lock = try await StoreLock.hold(gw.databasePath, seconds: 120)
            let failed = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            try failed.expectProblem(503, containing: "cannot be written")
            // The token was not spent: a refresh that could not be journaled is not made.
            #expect(gw.sandbox.stats().tokenRequests == tokenRequests)
            try await lock.end()
            let recovered = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)")
            #expect(recovered.status == 200, "\(recovered.text)")
            #expect(gw.sandbox.stats().refreshGrants == 1 && gw.sandbox.stats().invalidGrants == 0)
            #expect(try await gw.storedConnection().generation == 2)
        }
    }
}
