import CurlHTTP
import Foundation
import Testing

/// Runs `contacts-gateway` CLI commands against a test gateway's database, off the cooperative threads.
enum CLI {
    static func run(_ arguments: [String], database: String) async throws -> Executable.Result {
        try await blocking { try Executable.run(arguments + ["--database", database]) }
    }

    /// Runs a command with `--output json` that must succeed, and returns its one JSON document.
    static func json(_ arguments: [String], database: String, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> [String: Any]
    {
        let result = try await run(arguments + ["--output", "json"], database: database)
        #expect(result.status == 0, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any], "not one JSON object: \(result.stdout)", sourceLocation: sourceLocation)
    }

    /// Checks a failed command: non-zero status, one plain line on stderr that holds `fragment`, nothing on stdout.
    static func expectFailure(
        _ result: Executable.Result, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(fragment), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "\(result.stdout)", sourceLocation: sourceLocation)
    }
}

extension TestGateway {
    /// After a change made elsewhere: calls until `status` comes back or `limit` passes, and returns how long after
    /// the start the server still answered the old way (the start of the last call that did not get `status`; 0 when
    /// the first did), or nil. That bounds the age of the server's view from below without counting the test's own
    /// round trips, which on a loaded machine take longer than the view.
    func staleFor(
        _ status: Int, _ method: String, _ path: String, key: String, json: String? = nil, limit: Double = 2
    ) async throws -> Double? {
        let started = ContinuousClock.now
        var stale = 0.0
        while true {
            let sentAt = ContinuousClock.now - started
            let seconds = Double(sentAt.components.seconds) + Double(sentAt.components.attoseconds) / 1e18
            if try await call(method, path, key: key, json: json).status == status { return stale }
            stale = seconds
            if seconds > limit { return nil }
            try await Task.sleep(for: .milliseconds(25))
        }
    }
}
