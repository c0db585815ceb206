import ChildProcess
import Foundation
import Synchronization
import HTTPTypes
@testable import HighLevelSandbox
import HummingbirdTesting
import Testing

@Suite("Access, rate limits and faults")
struct TrafficTests {
    @Test("a token of location A gets 403 on a contact or locationId of location B")
    func crossLocation() async throws {
        try await LiveSandbox.run(configure: { $0.locations = ["loc-a", "loc-b"] }) { live in
            let a = live.sandbox.issuePrivateIntegrationToken(locationId: "loc-a")
            let b = live.sandbox.issuePrivateIntegrationToken(locationId: "loc-b")
            let contactB = try await live.createContact(token: b, locationId: "loc-b", #""firstName":"Bee""#)

            let read = try await live.send(.get, "/contacts/\(contactB)", token: a)
            #expect(read.status == 403)
            #expect(read.json["message"] as? String == "The token does not have access to this location.")
            #expect(try await live.send(.delete, "/contacts/\(contactB)", token: a).status == 403)
            #expect(try await live.send(.get, "/contacts/\(contactB)", token: b).status == 200)
            let search = try await live.send(.post, "/contacts/search", token: a, json: #"{"locationId":"loc-b","pageLimit":10}"#)
            #expect(search.status == 403)
            let create = try await live.send(.post, "/contacts/", token: a, json: #"{"locationId":"loc-b"}"#)
            #expect(create.status == 403)
        }
    }

    @Test("Version header is required and must be 2021-07-28")
    func versionHeader() async throws {
        try await LiveSandbox.run { live in
            let token = live.sandbox.issuePrivateIntegrationToken(locationId: "loc-sandbox")
            for version in [nil, "2021-04-15"] as [String?] {
                let reply = try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: token, version: version)
                #expect(reply.status == 400)
                #expect(reply.json["message"] as? String == "Version header is missing or unsupported")
            }
            #expect(try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: token).status == 200)
        }
    }

    @Test("rate limit: the 101st call in the window is 429 with X-RateLimit-Remaining 0 and changes nothing")
    func rateLimit() async throws {
        // A 60 s window: on a loaded machine 100 calls may take longer than HighLevel's 10 s, and the test is about
        // the count, not the clock.
        try await LiveSandbox.run(configure: {
            $0.seedContacts = false
            $0.rateLimit = .init(max: 100, interval: .seconds(60), daily: 200_000)
        }) { live in
            let token = live.sandbox.issuePrivateIntegrationToken(locationId: "loc-sandbox")
            let other = live.sandbox.issuePrivateIntegrationToken(locationId: "loc-other")
            for i in 1...100 {
                let reply = try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: token)
                #expect(reply.status == 200)
                if i == 1 {
                    #expect(reply.header("X-RateLimit-Max") == "100")
                    #expect(reply.header("X-RateLimit-Remaining") == "99")
                    #expect(reply.header("X-RateLimit-Interval-Milliseconds") == "60000")
                    #expect(reply.header("X-RateLimit-Limit-Daily") == "200000")
                    #expect(reply.header("X-RateLimit-Daily-Remaining") == "199999")
                }
            }
            let limited = try await live.send(.post, "/contacts/", token: token, json: #"{"locationId":"loc-sandbox","firstName":"Late"}"#)
            #expect(limited.status == 429)
            #expect(limited.json["statusCode"] as? Int == 429)
            #expect(limited.json["message"] as? String == "Too Many Requests")
            #expect(limited.header("X-RateLimit-Remaining") == "0")
            #expect(limited.header("X-RateLimit-Max") == "100")
            #expect(limited.header("X-RateLimit-Daily-Remaining") == "199900")
            #expect(limited.header("Retry-After") == nil)

            // Other locations have their own budget; the refused create left no contact behind.
            let elsewhere = try await live.send(.get, "/contacts/?locationId=loc-other", token: other)
            #expect(elsewhere.status == 200)
            #expect(live.sandbox.state.withLock { $0.contacts.contacts.isEmpty })
            #expect(live.sandbox.stats().rateLimited == 1)
            #expect(live.sandbox.stats().apiRequests == 102)
        }
        // A short window recovers: a client that backs off for `interval` gets through again.
        try await LiveSandbox.run(configure: { $0.rateLimit = .init(max: 2, interval: .milliseconds(300), daily: 1000) }) { live in
            let token = live.sandbox.issuePrivateIntegrationToken(locationId: "loc-sandbox")
            let statuses = try await [1, 2, 3].asyncMap { _ in try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: token).status }
            #expect(statuses == [200, 200, 429])
            #expect(try await live.send(.post, "/contacts/search", token: token, json: #"{"locationId":"loc-sandbox","pageLimit":10}"#).status == 429)
            try await Task.sleep(for: .milliseconds(350))
            let search = try await live.send(.post, "/contacts/search", token: token, json: #"{"locationId":"loc-sandbox","pageLimit":10}"#)
            #expect(search.status == 200)
            #expect(search.json["total"] as? Int == 3)
        }
    }

    @Test("faults: a 503 twice then normal, added over HTTP; faults are consumed in order")
    func statusFault() async throws {
        try await LiveSandbox.run { live in
            let token = live.sandbox.issuePrivateIntegrationToken(locationId: "loc-sandbox")
            let add = try await live.send(
                .post, "/_sandbox/faults", version: nil,
                json: #"{"method":"GET","pathPrefix":"/contacts","status":503,"body":"{\"message\":\"down\"}","headers":{"X-Fault":"yes"},"times":2}"#
            )
            #expect(add.status == 201)
            live.sandbox.addFault(SandboxFault(pathPrefix: "/contacts", status: 502, times: 1))
            let first = try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: token)
            #expect(first.status == 503)
            #expect(first.text == #"{"message":"down"}"#)
            #expect(first.header("X-Fault") == "yes")
            #expect(try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: token).status == 503)
            let third = try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: token)
            #expect(third.status == 502)
            #expect(third.json["statusCode"] as? Int == 502)
            #expect(try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: token).status == 200)

            live.sandbox.addFault(SandboxFault(pathPrefix: "/oauth/token", status: 500, times: 5))
            #expect(try await live.send(.delete, "/_sandbox/faults", version: nil).json["cleared"] as? Int == 1)
            let stats = try await live.send(.get, "/_sandbox/stats", version: nil)
            #expect(stats.json["faultsInjected"] as? Int == 3)
            #expect(stats.json["apiRequests"] as? Int == 1)
        }
    }

    @Test("faults: a delay-only fault delays, then the request is handled normally")
    func delayFault() async throws {
        try await LiveSandbox.run { live in
            let token = live.sandbox.issuePrivateIntegrationToken(locationId: "loc-sandbox")
            live.sandbox.addFault(SandboxFault(pathPrefix: "/contacts/search", delayMilliseconds: 1500))
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try await live.send(.post, "/contacts/search", token: token, json: #"{"locationId":"loc-sandbox","pageLimit":5}"#)
            let elapsed = clock.now - start
            #expect(reply.status == 200)
            #expect(reply.json["total"] as? Int == 3)
            #expect(elapsed >= .milliseconds(1500))
            // The fault is used up: the next call is not delayed (counted, not timed: timing lies on a loaded machine).
            _ = try await live.send(.post, "/contacts/search", token: token, json: #"{"locationId":"loc-sandbox","pageLimit":5}"#)
            #expect(live.sandbox.stats().faultsInjected == 1)
        }
    }

    @Test("faults: drop closes the connection with no HTTP response at all (curl exit 52)")
    func dropFault() async throws {
        try await LiveSandbox.run { live in
            let token = live.sandbox.issuePrivateIntegrationToken(locationId: "loc-sandbox")
            live.sandbox.addFault(SandboxFault(method: "GET", pathPrefix: "/contacts", drop: true, times: 2))

            let curl = try ChildProcess.run(executable: "/usr/bin/env", arguments: [
                "curl", "-sS", "-o", "/dev/null", "-H", "Authorization: Bearer \(token)", "-H", "Version: 2021-07-28",
                "http://127.0.0.1:\(live.port)/contacts/?locationId=loc-sandbox",
            ])
            let message = curl.standardError
            #expect(curl.termination == .exited(52), "\(message)")
            #expect(message.contains("Empty reply from server"))

            let dropped = TestClient(host: "127.0.0.1", port: live.port)
            dropped.connect()
            await #expect(throws: (any Error).self) {
                try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: token, on: dropped)
            }
            try? await dropped.shutdown()

            #expect(try await live.send(.get, "/contacts/?locationId=loc-sandbox", token: token).status == 200)
            #expect(live.sandbox.stats().faultsInjected == 2)
        }
    }

    @Test("hundreds of concurrent requests over several connections keep state consistent")
    func concurrency() async throws {
        try await LiveSandbox.run(configure: { $0.rateLimit = nil; $0.seedContacts = false }) { live in
            let token = live.sandbox.issuePrivateIntegrationToken(locationId: "loc-sandbox")
            let connections = 8
            let perConnection = 40
            try await withThrowingTaskGroup(of: Int.self) { group in
                for c in 0..<connections {
                    group.addTask {
                        let client = TestClient(host: "127.0.0.1", port: live.port)
                        client.connect()
                        var created = 0
                        for i in 0..<perConnection {
                            let reply = try await live.send(
                                .post, "/contacts/", token: token,
                                json: #"{"locationId":"loc-sandbox","firstName":"C\#(c)-\#(i)"}"#, on: client
                            )
                            if reply.status == 201 { created += 1 }
                        }
                        try await client.shutdown()
                        return created
                    }
                }
                var total = 0
                for try await n in group { total += n }
                #expect(total == connections * perConnection)
            }
            let search = try await live.send(.post, "/contacts/search", token: token, json: #"{"locationId":"loc-sandbox","pageLimit":1}"#)
            #expect(search.json["total"] as? Int == connections * perConnection)
            #expect(search.header("X-RateLimit-Max") == nil)
            #expect(live.sandbox.stats().apiRequests == connections * perConnection + 1)
        }
    }
}

extension Array {
    /// Sequential async map: the order of requests matters for rate-limit assertions.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
