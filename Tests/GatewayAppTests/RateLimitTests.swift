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
        let count = Atomic<Int>(1)
    }

    @Test func aKeyOfFivePerSecondWithBurstFiveGetsFifteenThroughInTwoSeconds() async throws {
        try await withGateway { gw in
            // 5/s rather than more: on a loaded 2-core machine a request can take 300 ms, and the test needs more
            // requests than the limit lets through to see it refuse any.
            let key = try await gw.makeKey(role: "reader", rate: "5/s", burst: 5).key
            let path = "/contacts/?locationId=\(TestGateway.location)"
            let connections = 5
            let clients = try (0..<connections).map { _ in try CurlHTTPClient() }
            defer { for client in clients { client.shutdown() } }
            // Open every connection first, so that the two seconds measure requests, not connection set-up.
            for client in clients {
                _ = try await client.execute(CurlRequest(method: "GET", url: gw.url + "/healthz"))
            }
            // The key's first request, alone: the two seconds start when the gateway has surely seen it, so a slow
            // start on a busy machine does not shorten the window the limiter measures.
            let first = try await clients[0].execute(
                CurlRequest(method: "GET", url: gw.url + path, headers: [("Authorization", "Bearer \(key)")]))
            #expect(first.status == 200)
            let deadline = ContinuousClock.now + .seconds(2)
            // Past the two seconds until the key has surely been refused: under the whole suite's load a request
            // took 0.5 s, and 11 attempts in 2 s never reached the limit (a CI run).
            let sent = Self.Counter()
            let counts = try await withThrowingTaskGroup(of: [Int: Int].self) { group in
                for client in clients {
                    group.addTask {
                        var statuses: [Int: Int] = [:]
                        let request = CurlRequest(
                            method: "GET", url: gw.url + path, headers: [("Authorization", "Bearer \(key)")])
                        while ContinuousClock.now < deadline || sent.count.load(ordering: .relaxed) < 40 {
                            sent.count.add(1, ordering: .relaxed)
                            statuses[try await client.execute(request).status, default: 0] += 1
                            // Hundreds of requests a second are plenty; a pause leaves the two cores to other tests.
                            try await Task.sleep(for: .milliseconds(2))
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: [Int: Int]()) { $0.merge($1, uniquingKeysWith: +) }
            }
            let elapsed = ContinuousClock.now - deadline + .seconds(2)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let through = counts[200, default: 0] + 1
            // The burst and the rate over the time the requests kept coming: 15 in two seconds.
            let expected = 5 + 5 * seconds
            print("rate limit accuracy: \(through) of the expected \(Int(expected)) got through in \(elapsed); \(counts[429, default: 0]) refused")
            #expect(Set(counts.keys).isSubset(of: [200, 429]), "\(counts)")
            #expect(counts[429, default: 0] > 0)
            #expect(Double(through) >= expected - 2.5 && Double(through) <= expected + 2.5, "\(through) got through: \(counts)")
        }
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
            let refused = try await gw.call("GET", path, key: key)
            let wait = try #require(Int(refused.header("Retry-After") ?? ""))
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
