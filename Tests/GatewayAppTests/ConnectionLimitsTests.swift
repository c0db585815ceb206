import Foundation
import GatewayApp
import HighLevelSandbox
import Testing

/// What a connection may hold, over real sockets: the idle, header and body timeouts, the connection limit, and
/// HTTP/1.0's end of connection. Timeouts are short here and every wait has a generous bound, so a loaded machine
/// passes; no test measures how fast anything is. The sockets are driven inside `blocking {}`, which returns what
/// they saw: expectations are checked outside it, where Swift Testing knows which test they belong to.
@Suite struct ConnectionLimitsTests {
    static let health = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    /// Options with long timeouts, so that only the one a test shortens acts.
    static func options(
        idle: Duration = .seconds(60), header: Duration = .seconds(60), body: Duration = .seconds(60),
        maxConnections: Int = 1024
    ) -> TestGateway.Options {
        var options = TestGateway.Options()
        options.idleTimeout = idle
        options.headerTimeout = header
        options.bodyTimeout = body
        options.maxConnections = maxConnections
        return options
    }

    // MARK: Idle

    @Test func idleKeptAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        // Long enough that the second request, sent at once, always beats it.
        try await withGateway(Self.options(idle: .seconds(1))) { gw in
            let port = gw.port
            let (first, second, end) = try await blocking {
                let connection = try RawConnection(port: port)
                try connection.send(Self.health)
                let first = try connection.readAnswer()
                try connection.send(Self.health)
                let second = try connection.readAnswer()
                return (first, second, connection.waitForClose())
            }
            #expect(first.status == 200)
            #expect(first.headers["connection"] != "close")
            // Kept alive: the second request on it was answered.
            #expect(second.status == 200)
            // Then nothing: the gateway closed it, saying nothing more.
            #expect(end.closed, "still open long after the idle timeout")
            #expect(end.received.isEmpty, "\(end.received)")
        }
    }

    @Test func requestTakingLongerThanTheIdleTimeoutIsAnswered() async throws {
        try await withGateway(Self.options(idle: .milliseconds(500))) { gw in
            let port = gw.port
            gw.sandbox.addFault(.init(pathPrefix: "/contacts", delayMilliseconds: 2000, times: 1))
            let request = "GET /contacts/?locationId=\(TestGateway.location) HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer \(gw.editorKey)\r\n\r\n"
            let (answer, end) = try await blocking {
                let connection = try RawConnection(port: port)
                try connection.send(request)
                return (try connection.readAnswer(within: .seconds(20)), connection.waitForClose())
            }
            // The idle timeout runs between requests only, not while the gateway is answering.
            #expect(answer.status == 200, "\(answer.status): \(answer.body)")
            #expect(end.closed)
        }
    }

    // MARK: Header

    @Test func partialHeadGets408AndIsClosedAfterTheHeaderTimeout() async throws {
        try await withGateway(Self.options(header: .milliseconds(300))) { gw in
            let port = gw.port
            let (answer, end) = try await blocking {
                let connection = try RawConnection(port: port)
                try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
                return (try connection.readAnswer(), connection.waitForClose())
            }
            #expect(answer.status == 408)
            #expect(answer.headers["connection"] == "close")
            #expect(answer.headers["content-type"] == "application/problem+json")
            let problem = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            #expect(problem["type"] as? String == "urn:contacts-gateway:problem:request-timeout")
            #expect(problem["status"] as? Int == 408)
            #expect((problem["detail"] as? String)?.contains("GATEWAY_HEADER_TIMEOUT") == true)
            #expect(problem["requestId"] as? String == answer.headers["x-request-id"])
            #expect(end.closed, "still open after its 408")
            let metrics = try await gw.call("GET", "/metrics", key: nil)
            #expect(metrics.text.contains(#"gateway_request_read_timeouts_total{part="head"}"#))
        }
    }

    @Test func headSentALineAtATimeIsStillCutOffAtTheHeaderTimeout() async throws {
        try await withGateway(Self.options(header: .milliseconds(300))) { gw in
            let port = gw.port
            let end = try await blocking {
                let connection = try RawConnection(port: port)
                try connection.send("GET /healthz HTTP/1.1\r\n")
                // A header line every 50 ms for up to 10 s: each read is progress, but the head's deadline stays.
                for index in 0..<200 {
                    Thread.sleep(forTimeInterval: 0.05)
                    guard (try? connection.send("X-Slow-\(index): a\r\n")) != nil else { break }
                    if connection.waitForClose(within: .milliseconds(1)).closed { break }
                }
                return connection.waitForClose()
            }
            #expect(end.closed, "a dribbled head held the connection for 10 s")
            #expect(end.received.hasPrefix("HTTP/1.1 408"), "\(end.received)")
        }
    }

    @Test func connectionThatSendsNothingIsClosedSilentlyAfterTheHeaderTimeout() async throws {
        try await withGateway(Self.options(header: .milliseconds(300))) { gw in
            let port = gw.port
            let end = try await blocking { try RawConnection(port: port).waitForClose() }
            #expect(end.closed)
            #expect(end.received.isEmpty, "\(end.received)")
        }
    }

    @Test func laterRequestsOnAKeptAliveConnectionHaveTheirOwnHeaderDeadline() async throws {
        try await withGateway(Self.options(header: .seconds(1))) { gw in
            let port = gw.port
            let (answers, late, end) = try await blocking {
                let connection = try RawConnection(port: port)
                var answers: [Int] = []
                // Longer than the header timeout between requests: that is idle time, not a late head.
                for _ in 0..<3 {
                    try connection.send(Self.health)
                    answers.append(try connection.readAnswer().status)
                    Thread.sleep(forTimeInterval: 1.2)
                }
                try connection.send("GET /healthz HTTP/1.1\r\n")
                return (answers, try connection.readAnswer().status, connection.waitForClose())
            }
            #expect(answers == [200, 200, 200])
            #expect(late == 408)
            #expect(end.closed)
        }
    }

    // MARK: Body

    @Test func stalledBodyGets408AndIsClosedAfterTheBodyTimeout() async throws {
        try await withGateway(Self.options(body: .milliseconds(300))) { gw in
            let port = gw.port
            let before = gw.sandbox.stats().apiRequests
            let request = "POST /contacts/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(gw.editorKey)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100\r\nX-Request-Id: stalled-body\r\n\r\n{\"first"
            let (answer, end) = try await blocking {
                let connection = try RawConnection(port: port)
                try connection.send(request)
                return (try connection.readAnswer(), connection.waitForClose())
            }
            #expect(answer.status == 408)
            #expect(answer.headers["connection"] == "close")
            #expect(answer.headers["x-request-id"] == "stalled-body")
            #expect(answer.body.contains("GATEWAY_BODY_TIMEOUT"), "\(answer.body)")
            #expect(end.closed, "still open after its 408")
            #expect(gw.sandbox.stats().apiRequests == before, "a half-sent body reached the upstream")
            // Answered by the edge like any request, so it is in the audit trail.
            let audit = try await gw.call("GET", "/admin/v1/audit?status=408", key: gw.adminKey)
            let records = try #require(try audit.json()["records"] as? [[String: Any]])
            #expect(records.contains { $0["requestId"] as? String == "stalled-body" }, "\(records)")
            let metrics = try await gw.call("GET", "/metrics", key: nil)
            #expect(metrics.text.contains(#"gateway_request_read_timeouts_total{part="body"}"#))
        }
    }

    @Test func bodySentAByteAtATimeIsStillCutOffAtTheBodyTimeout() async throws {
        try await withGateway(Self.options(body: .milliseconds(300))) { gw in
            let port = gw.port
            let request = "POST /contacts/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(gw.editorKey)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
            let end = try await blocking {
                let connection = try RawConnection(port: port)
                try connection.send(request)
                for _ in 0..<200 {
                    Thread.sleep(forTimeInterval: 0.05)
                    guard (try? connection.send(" ")) != nil else { break }
                    if connection.waitForClose(within: .milliseconds(1)).closed { break }
                }
                return connection.waitForClose()
            }
            #expect(end.closed, "a dribbled body held the connection for 10 s")
            #expect(end.received.hasPrefix("HTTP/1.1 408"), "\(end.received)")
        }
    }

    @Test func wholeBodyInTimeIsAnsweredAndTheConnectionKept() async throws {
        try await withGateway(Self.options(body: .seconds(1))) { gw in
            let port = gw.port
            let json = #"{"locationId":"loc-sandbox","firstName":"Ada"}"#
            let request = "POST /contacts/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(gw.editorKey)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n"
            let (created, later) = try await blocking {
                let connection = try RawConnection(port: port)
                try connection.send(request)
                Thread.sleep(forTimeInterval: 0.05)
                try connection.send(json)
                let created = try connection.readAnswer(within: .seconds(20))
                // Well past the body timeout: between requests, it no longer applies.
                Thread.sleep(forTimeInterval: 1.2)
                try connection.send(Self.health)
                return (created, try connection.readAnswer())
            }
            #expect((200..<300).contains(created.status), "\(created.status): \(created.body)")
            #expect(later.status == 200)
        }
    }

    // MARK: Connection limit

    @Test func connectionsBeyondTheLimitAreRefusedUntilOneCloses() async throws {
        try await withGateway(Self.options(maxConnections: 2)) { gw in
            let port = gw.port
            let (within, refused, stillServed, afterClose) = try await blocking {
                let first = try RawConnection(port: port)
                let second = try RawConnection(port: port)
                var within: [Int] = []
                for connection in [first, second] {
                    try connection.send(Self.health)
                    within.append(try connection.readAnswer().status)
                }
                // The third is accepted by the kernel, then reset by the gateway at once, before any request.
                let refused = try RawConnection(port: port).waitForClose()
                var stillServed: [Int] = []
                for connection in [first, second] {
                    try connection.send(Self.health)
                    stillServed.append(try connection.readAnswer().status)
                }
                // Once one closes, a new one is served (the gateway sees the close a moment later).
                first.close()
                return (within, refused, stillServed, try Self.answerOnANewConnection(port: port, path: "/metrics"))
            }
            #expect(within == [200, 200])
            #expect(refused.closed, "a connection over the limit was kept")
            #expect(refused.received.isEmpty)
            #expect(stillServed == [200, 200], "the connections within the limit stopped working")
            let metrics = try #require(afterClose, "no new connection was served after one closed")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("gateway_connections_refused_total"))
        }
    }

    /// Tries new connections for up to 10 s until one gets an answer to `GET path`.
    static func answerOnANewConnection(port: Int, path: String) throws -> RawConnection.Answer? {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let connection = try RawConnection(port: port)
            if (try? connection.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")) != nil,
                let answer = try? connection.readAnswer(within: .seconds(1))
            {
                return answer
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    // MARK: Persistence

    @Test func http10WithoutKeepAliveGetsItsAnswerThenTheEnd() async throws {
        try await withGateway(Self.options()) { gw in
            let port = gw.port
            let (answer, end) = try await blocking {
                let connection = try RawConnection(port: port)
                try connection.send("GET /healthz HTTP/1.0\r\n\r\n")
                return (try connection.readAnswer(), connection.waitForClose())
            }
            #expect(answer.status == 200)
            #expect(answer.statusLine.hasPrefix("HTTP/1.0 "), "\(answer.statusLine)")
            #expect(answer.headers["connection"] == "close")
            #expect(answer.headers["transfer-encoding"] == nil)
            #expect(end.closed, "an HTTP/1.0 connection without keep-alive was kept")
            #expect(end.received.isEmpty)
        }
    }

    @Test func requestsAfterOneThatEndsTheConnectionAreNotAnswered() async throws {
        try await withGateway(Self.options()) { gw in
            let port = gw.port
            let (answer, end) = try await blocking {
                let connection = try RawConnection(port: port)
                try connection.send("GET /healthz HTTP/1.0\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n")
                return (try connection.readAnswer(), connection.waitForClose())
            }
            #expect(answer.status == 200)
            #expect(end.closed)
            #expect(end.received.isEmpty, "answered past the end: \(end.received)")
        }
    }

    @Test func http10WithKeepAliveStaysOpen() async throws {
        try await withGateway(Self.options()) { gw in
            let port = gw.port
            let (answers, end) = try await blocking {
                let connection = try RawConnection(port: port)
                var answers: [RawConnection.Answer] = []
                for _ in 0..<2 {
                    try connection.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                    answers.append(try connection.readAnswer())
                }
                return (answers, connection.waitForClose(within: .milliseconds(300)))
            }
            for answer in answers {
                #expect(answer.status == 200)
                #expect(answer.statusLine.hasPrefix("HTTP/1.0 "), "\(answer.statusLine)")
                #expect(answer.headers["connection"] == "keep-alive")
            }
            #expect(!end.closed)
        }
    }

    @Test func http11ConnectionCloseGetsConnectionCloseThenTheEnd() async throws {
        try await withGateway(Self.options()) { gw in
            let port = gw.port
            let (answer, end) = try await blocking {
                let connection = try RawConnection(port: port)
                try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return (try connection.readAnswer(), connection.waitForClose())
            }
            #expect(answer.status == 200)
            #expect(answer.statusLine.hasPrefix("HTTP/1.1 "))
            #expect(answer.headers["connection"] == "close")
            #expect(end.closed)
        }
    }
}
