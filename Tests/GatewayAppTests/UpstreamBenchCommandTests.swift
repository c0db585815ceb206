import Foundation
import Testing

/// `gateway-bench upstream`, the libcurl layer's benchmark that `bench/run` ends with: figures when the upstream answers, one
/// plain line when it does not.
@Suite struct UpstreamBenchCommandTests {
    @Test func printsFiguresAgainstARealUpstream() async throws {
        try await withGateway { gw in
            let result = try await blocking {
                try Executable.run(
                    ["upstream", "--url", gw.sandboxURL + "/contacts/c-1", "--concurrency", "4", "--seconds", "0.3"],
                    bench: true)
            }
            #expect(result.status == 0, "\(result.stderr)")
            // The sandbox refuses the benchmark's made-up token: answers that are not 200 are counted, not hidden.
            #expect(result.stdout.hasPrefix("curl layer: requests="), "\(result.stdout)")
            #expect(result.stdout.contains("non-200="), "\(result.stdout)")
            #expect(result.stdout.contains("cpu_us_per_request="), "\(result.stdout)")
        }
    }

    @Test func anUnreachableUpstreamIsOnePlainLine() async throws {
        let result = try await blocking {
            try Executable.run(["upstream", "--url", "http://127.0.0.1:1/contacts/c-1", "--seconds", "0.2"], bench: true)
        }
        CLI.expectFailure(result, containing: "127.0.0.1")
    }
}
