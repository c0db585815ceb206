import ArgumentParser
import CurlHTTP
import Foundation
import GatewayCore

#if canImport(Glibc)
import Glibc
#endif

/// `gateway-bench upstream`: the libcurl layer alone, as the proxy uses it, against a URL. Prints requests per second and the
/// process's CPU time per request, so a change to the curl driver can be judged without the HTTP server around it.
/// `bench/run` runs it.
struct UpstreamBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upstream", abstract: "Measure the libcurl client alone (for bench/run).")
    @Option(help: "The URL to GET.") var url: String
    @Option(help: "Concurrent callers, each awaiting its answer before the next request.") var concurrency = 32
    @Option(help: "Seconds to run.") var seconds = 5.0

    func run() async throws {
        try await benchmarking {
            let client = try CurlHTTPClient()
            defer { client.shutdown() }
            let request = CurlRequest(
                method: "GET", url: url,
                headers: [
                    ("Authorization", "Bearer pit-bench-token"), ("Version", "2021-07-28"),
                    ("Accept", "application/json"),
                ],
                timeout: .seconds(10))
            _ = try await client.execute(request)
            let cpuBefore = Self.cpuSeconds()
            let started = ContinuousClock.now
            let until = started + .milliseconds(Int64(seconds * 1000))
            let counts = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for _ in 0..<max(1, concurrency) {
                    group.addTask {
                        var ok = 0
                        var failed = 0
                        while ContinuousClock.now < until {
                            let response = try await client.execute(request)
                            if response.status == 200 { ok += 1 } else { failed += 1 }
                        }
                        return (ok, failed)
                    }
                }
                return try await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
            }
            let elapsed = ContinuousClock.now - started
            let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let cpu = Self.cpuSeconds() - cpuBefore
            let total = counts.0 + counts.1
            print(String(
                format: "curl layer: requests=%d non-200=%d req/s=%.0f cpu_us_per_request=%.1f cores=%.2f",
                total, counts.1, Double(total) / wall, cpu / Double(max(total, 1)) * 1e6, cpu / wall))
        }
    }

    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
