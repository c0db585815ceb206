import Foundation

/// Failed authentications per client, as a value: an allowance (GCRA) per client, and the run of failures refused
/// past it, which the audit trail records as one record with a count.
///
/// A stranger with a wrong key costs the gateway an audit row per request otherwise: 133,000 in 10 s filled 39 MB.
/// With this, a client's failures cost at most its allowance in rows, plus one row per run each time runs are taken.
/// Only failures count: a client sharing an address with an attacker (behind one NAT or proxy) still gets in with a
/// good key. The table of clients is bounded; past the bound, new clients share one bucket.
public struct FailedAuthentications: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// Answer 401 and record it as any request.
        case record
        /// Answer 429 with `Retry-After`; the failure is counted in the client's run instead of recorded.
        case refuse(retryAfterSeconds: Int)
    }

    /// Failures refused for one client since runs were last taken.
    public struct Run: Sendable, Equatable {
        public var client: String
        public var count: Int
        public var firstAt: Date
        public var lastAt: Date

        public init(client: String, count: Int, firstAt: Date, lastAt: Date) {
            self.client = client
            self.count = count
            self.firstAt = firstAt
            self.lastAt = lastAt
        }

        /// The run as one audit record: at its first refusal, lasting until its last, with their count.
        public func auditRecord(requestId: String) -> AuditRecord {
            AuditRecord(
                time: firstAt, requestId: requestId, method: "*", route: FailedAuthentications.auditRoute, path: "*",
                status: 429, outcome: .rateLimited, durationMs: lastAt.timeIntervalSince(firstAt) * 1000,
                client: client, count: count)
        }
    }

    /// The `route` of a run's record.
    public static let auditRoute = "(failed authentications)"

    private struct Entry {
        var allowance: GCRA
        var run: Run?
    }

    public let rate: Rate
    public let maximumClients: Int
    /// The bucket shared by clients that find the table full.
    public static let overflowClient = "*"
    private var entries: [String: Entry] = [:]

    public init(rate: Rate, maximumClients: Int = 10_000) {
        self.rate = rate
        self.maximumClients = max(1, maximumClients)
    }

    public var trackedClients: Int { entries.count }

    public mutating func failure(from client: String, at now: Date) -> Verdict {
        var bucket = client
        if entries[bucket] == nil, entries.count >= maximumClients {
            dropIdle(at: now)
            if entries.count >= maximumClients { bucket = Self.overflowClient }
        }
        var entry = entries[bucket] ?? Entry(allowance: GCRA(rate: rate, burst: rate.count))
        let decision = entry.allowance.attempt(at: now)
        defer { entries[bucket] = entry }
        if decision.allowed { return .record }
        if entry.run == nil {
            entry.run = Run(client: bucket, count: 0, firstAt: now, lastAt: now)
        }
        entry.run?.count += 1
        entry.run?.lastAt = now
        return .refuse(retryAfterSeconds: decision.retryAfterSeconds)
    }

    /// Every run with refusals since the last call, oldest first; their counts start again from zero. Clients
    /// whose allowance is whole again are forgotten.
    public mutating func takeRuns(at now: Date) -> [Run] {
        var runs: [Run] = []
        for (client, entry) in entries {
            guard let run = entry.run else { continue }
            runs.append(run)
            entries[client]?.run = nil
        }
        dropIdle(at: now)
        return runs.sorted { ($0.firstAt, $0.client) < ($1.firstAt, $1.client) }
    }

    private mutating func dropIdle(at now: Date) {
        entries = entries.filter { $0.value.run != nil || !$0.value.allowance.isIdle(at: now) }
    }
}
