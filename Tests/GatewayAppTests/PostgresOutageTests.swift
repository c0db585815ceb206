import ChildProcess
import CurlHTTP
import Foundation
import GatewayCore
import HighLevelSandbox
import TestPostgres
import Testing

/// A PostgreSQL lost while the gateway serves, on a cluster of the test's own (killed as a crash would, then started
/// again on its port): `/readyz` says 503, requests fail closed (503, and nothing reaches HighLevel that the trail did
/// not record), and the gateway recovers by itself once the database is back, its trail whole.
@Suite(.enabled(if: TestPostgres.enabled), .serialized) struct PostgresOutageTests {
    /// `scripts/test-postgres` on a directory of this test's.
    struct Cluster {
        let directory: String
        let url: String

        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/test-postgres").path

        static func start() async throws -> Cluster {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-pg-\(UUID().uuidString)").path
            let url = try await run("start", directory)
            return Cluster(directory: directory, url: url.trimmingCharacters(in: .whitespacesAndNewlines))
        }

        func halt() async throws { _ = try await Self.run("halt", directory) }
        func resume() async throws { _ = try await Self.run("resume", directory) }
        func remove() async { _ = try? await Self.run("stop", directory) }

        @discardableResult
        static func run(_ verb: String, _ directory: String) async throws -> String {
            let finished = try await blocking {
                try ChildProcess.run(executable: "/bin/bash", arguments: [script, verb, directory], environment: [:], timeout: 120)
            }
            guard finished.termination == .exited(0) else {
                throw RawHTTP.Failure(what: "test-postgres \(verb): \(finished.standardError)")
            }
            return finished.standardOutput
        }
    }

    func waitFor(_ what: String, within seconds: Double, _ check: () async throws -> Bool) async throws -> Double {
        let started = Date()
        while Date().timeIntervalSince(started) < seconds {
            if (try? await check()) == true { return Date().timeIntervalSince(started) }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("not within \(seconds) s: \(what)")
        return seconds
    }

    @Test func aDatabaseLostWhileServingFailsClosedAndRecoversWithoutARestart() async throws {
        let cluster = try await Cluster.start()
        do {
            let database = try await TestPostgres.makeDatabase(on: cluster.url)
            var options = TestGateway.Options()
            options.postgres = database
            try await withGateway(options) { gw in
                let path = "/contacts/?locationId=\(TestGateway.location)"
                #expect(try await gw.call("GET", path).status == 200)
                #expect(try await gw.call("GET", "/readyz", key: nil).status == 200)

                try await cluster.halt()
                let noticed = try await waitFor("/readyz answers 503", within: 10) {
                    try await gw.call("GET", "/readyz", key: nil).status == 503
                }
                let upstreamBefore = gw.sandbox.stats().apiRequests
                for _ in 0..<5 {
                    let refused = try await gw.call("GET", path)
                    try refused.expectProblem(503)
                }
                #expect(gw.sandbox.stats().apiRequests == upstreamBefore, "nothing unrecorded reached HighLevel")

                try await cluster.resume()
                let recovered = try await waitFor("requests served again", within: 30) {
                    try await gw.call("GET", path).status == 200
                }
                #expect(try await gw.call("GET", "/readyz", key: nil).status == 200)
                #expect(try await gw.verifyAudit().ok)
                print("postgres outage: readyz 503 after \(String(format: "%.1f", noticed)) s, served again \(String(format: "%.1f", recovered)) s after the restart")
            }
            await database.drop()
        } catch {
            await cluster.remove()
            throw error
        }
        await cluster.remove()
    }
}
