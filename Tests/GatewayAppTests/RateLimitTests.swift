import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySettings
import Synchronization
import Testing

/// The per-key limit over real HTTP: its accuracy under concurrent load, and what callers are told.
@Suite struct RateLimitTests {
    /// Requests sent so far, across the callers.
    final class Counter: Sendable {
        let count = Atomic<Int>(0)
    }

    @Test func aKeyOfFivePerSecondWithBurstFiveAdmitsWhatAnIdealLimiterWould() async throws {
        try await withGateway { gw in
            // 5/s rather than more: on a loaded 2-core machine a request can take 300 ms, and the test needs more
            // requests than the limit lets through to see it refuse any.
            let key = try await gw.makeKey(role: "reader", rate: "5/s", burst: 5).key
            let path = "/contacts/?locationId=\(TestGateway.location)"
            let connections = 5
            let clients = try (0..<connections).map { _ in try CurlHTTPClient() }
            defer { for client in clients { client.shutdown() } }
            // Open every connection first, so that the times measure requests, not connection set-up.
            for client in clients {
                _ = try await client.execute(CurlRequest(method: "GET", url: gw.url + "/healthz"))
            }
            // Each request's status beside the moment it was sent. Under the whole suite's load a request can take
            // 0.5 s, so callers slow down and the bucket can fill and overflow between them: what the limiter owes is
            // what an ideal one admits of these very arrivals, not burst + rate × time (a CI run saw 26 against 28.5).
            let started = ContinuousClock.now
            let deadline = started + .seconds(2)
            let sent = Self.Counter()
            let answers = try await withThrowingTaskGroup(of: [(sentAt: Double, status: Int)].self) { group in
                for client in clients {
                    group.addTask {
                        var answers: [(sentAt: Double, status: Int)] = []
                        let request = CurlRequest(
                            method: "GET", url: gw.url + path, headers: [("Authorization", "Bearer \(key)")])
                        while ContinuousClock.now < deadline || sent.count.load(ordering: .relaxed) < 40 {
                            sent.count.add(1, ordering: .relaxed)
                            let sentAt = Self.seconds(ContinuousClock.now - started)
                            answers.append((sentAt, try await client.execute(request).status))
                            // Hundreds of requests a second are plenty; a pause leaves the two cores to other tests.
                            try await Task.sleep(for: .milliseconds(2))
                        }
                        return answers
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }.sorted { $0.sentAt < $1.sentAt }
            }
            let elapsed = Self.seconds(ContinuousClock.now - started)
            let counts = Dictionary(grouping: answers, by: \.status).mapValues(\.count)
            let through = counts[200, default: 0]
            let ideal = IdealLimiter.admitted(arrivals: answers.map(\.sentAt), rate: 5, burst: 5)
            print("rate limit accuracy: \(through) got through, an ideal limiter admits \(ideal) of the same \(answers.count) in \(elapsed) s")
            #expect(Set(counts.keys).isSubset(of: [200, 429]), "\(counts)")
            #expect(counts[429, default: 0] > 0)
            // Never more than burst and rate allow over the whole run, whatever the arrivals.
            #expect(Double(through) <= 5 + 5 * elapsed + 1, "\(through) in \(elapsed) s")
            // A request reaches the gateway some time after it was sent; a few can fall on either side of a refill.
            #expect(abs(through - ideal) <= 3, "\(through) got through, an ideal limiter admits \(ideal): \(counts)")
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test func answersCarryRateLimitFieldsAndRefusalsRetryAfter() async throws {
        try await withGateway { gw in
            // One request per 3 s: slow enough that a loaded machine does not refill the key between the calls.
            let key = try await gw.makeKey(role: "reader", rate: "1/3s", burst: 2).key
            let path = "/contacts/?locationId=\(TestGateway.location)"
            let first = try await gw.call("GET", path, key: key)
            #expect(first.status == 200)
            #expect(first.header("RateLimit-Policy") == #""key";q=2;w=6"#)
            #expect(first.header("RateLimit") == #""key";r=1;t=3"#)
            #expect(first.header("Retry-After") == nil)
            let second = try await gw.call("GET", path, key: key)
            #expect(second.status == 200)
            #expect(second.header("RateLimit")?.hasPrefix(#""key";r=0;"#) == true)
            // Past the burst the next call is refused, unless the machine was so slow that 3 s passed since the last:
            // then that one spent the refill and the next is refused (a clean-clone CI run saw the refill).
            var refused = try await gw.call("GET", path, key: key)
            for _ in 0..<3 where refused.status == 200 { refused = try await gw.call("GET", path, key: key) }
            let wait = try #require(Int(refused.header("Retry-After") ?? ""), "\(refused.status) \(refused.text)")
            #expect((1...3).contains(wait))
            try refused.expectProblem(429, containing: "Retry after \(wait)s")
            #expect(refused.header("RateLimit-Policy") == #""key";q=2;w=6"#)
            #expect(refused.header("RateLimit") == #""key";r=0;t=\#(wait)"#)
            #expect(refused.header("X-Request-Id") != nil)
            // After the retry delay the key is admitted again.
            try await Task.sleep(for: .milliseconds(wait * 1000 + 50))
            #expect(try await gw.call("GET", path, key: key).status == 200)
        }
    }

    @Test func adminRoutesCountAgainstTheKeyToo() async throws {
        try await withGateway { gw in
            let key = try await gw.makeKey(role: "admin", rate: "1/min", burst: 1).key
            let first = try await gw.call("GET", "/admin/v1/roles", key: key)
            #expect(first.status == 200)
            #expect(first.header("RateLimit-Policy") == #""key";q=1;w=60"#)
            let refused = try await gw.call("GET", "/admin/v1/keys", key: key)
            try refused.expectProblem(429)
            #expect(refused.header("Retry-After").flatMap(Int.init).map { (58...60).contains($0) } == true)
            // Another key is not affected.
            #expect(try await gw.call("GET", "/admin/v1/keys", key: gw.adminKey).status == 200)
        }
    }

    @Test func keysWithoutTheirOwnLimitGetTheConfiguredDefault() async throws {
        var options = TestGateway.Options()
        options.keyRate = Rate(count: 1, perSeconds: 60)
        options.keyBurst = 3
        try await withGateway(options) { gw in
            let path = "/contacts/?locationId=\(TestGateway.location)"
            let statuses = try await (0..<4).asyncMap { _ in try await gw.call("GET", path, key: gw.readerKey).status }
            #expect(statuses == [200, 200, 200, 429])
        }
    }

    @Test func settingsReadTheDefaultRateAndBurst() throws {
        func read(_ environment: [String: String]) throws -> GatewaySettings {
            try SettingsReader(flags: [], environment: environment).read()
        }
        let defaults = try read([:])
        #expect(defaults.keyRate == Rate(count: 20, perSeconds: 1) && defaults.keyBurst == 40)
        let set = try read(["GATEWAY_KEY_RATE": "600/min", "GATEWAY_KEY_BURST": "5"])
        #expect(set.keyRate == Rate(count: 600, perSeconds: 60) && set.keyBurst == 5)
        #expect(throws: SettingsError.self) { try read(["GATEWAY_KEY_RATE": "fast"]) }
        #expect(throws: SettingsError.self) { try read(["GATEWAY_KEY_BURST": "0"]) }
    }
}

extension Sequence {
    /// One after another, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
