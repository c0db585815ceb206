import Foundation
import GatewayCore
import Testing

@Suite struct FailedAuthenticationsTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aClientGetsItsAllowanceThenRefusalsCountedIntoOneRun() {
        var failures = FailedAuthentications(rate: Rate(count: 3, perSeconds: 60))
        for _ in 0..<3 { #expect(failures.failure(from: "10.0.0.1", at: start) == .record) }
        #expect(failures.failure(from: "10.0.0.1", at: start) == .refuse(retryAfterSeconds: 20))
        #expect(failures.failure(from: "10.0.0.1", at: start.addingTimeInterval(5)) == .refuse(retryAfterSeconds: 15))
        // Another client is not held back by the first.
        #expect(failures.failure(from: "10.0.0.2", at: start) == .record)
        // One allowance back after 20 s.
        #expect(failures.failure(from: "10.0.0.1", at: start.addingTimeInterval(20)) == .record)
        let runs = failures.takeRuns(at: start.addingTimeInterval(21))
        #expect(runs == [.init(client: "10.0.0.1", count: 2, firstAt: start, lastAt: start.addingTimeInterval(5))])
        // Taken runs start again from zero.
        #expect(failures.takeRuns(at: start.addingTimeInterval(22)).isEmpty)
        #expect(failures.failure(from: "10.0.0.1", at: start.addingTimeInterval(22)) == .refuse(retryAfterSeconds: 18))
        #expect(failures.takeRuns(at: start.addingTimeInterval(23)).map(\.count) == [1])
    }

    @Test func clientsWhoseAllowanceIsWholeAreForgotten() {
        var failures = FailedAuthentications(rate: Rate(count: 2, perSeconds: 10))
        _ = failures.failure(from: "a", at: start)
        _ = failures.failure(from: "b", at: start)
        #expect(failures.trackedClients == 2)
        _ = failures.takeRuns(at: start.addingTimeInterval(3))
        #expect(failures.trackedClients == 2)
        _ = failures.takeRuns(at: start.addingTimeInterval(6))
        #expect(failures.trackedClients == 0)
    }

    @Test func aFullTableSharesOneBucketSoMemoryStaysBounded() {
        var failures = FailedAuthentications(rate: Rate(count: 1, perSeconds: 60), maximumClients: 3)
        for index in 0..<3 { #expect(failures.failure(from: "c\(index)", at: start) == .record) }
        // Every new client now shares the overflow bucket: the first gets its one failure, the rest are refused.
        #expect(failures.failure(from: "new-1", at: start) == .record)
        #expect(failures.failure(from: "new-2", at: start) == .refuse(retryAfterSeconds: 60))
        #expect(failures.trackedClients == 4)
        #expect(failures.takeRuns(at: start).map(\.client) == [FailedAuthentications.overflowClient])
        // Once the tracked clients' allowances are whole again, they make room.
        #expect(failures.failure(from: "new-3", at: start.addingTimeInterval(61)) == .record)
    }

    @Test func addressesAreCountedByHostOrIPv6Subnet() {
        #expect(ClientAddress.bucket(for: "192.0.2.7") == "192.0.2.7")
        #expect(ClientAddress.bucket(for: "2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(ClientAddress.bucket(for: "2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64")
        #expect(ClientAddress.bucket(for: "::ffff:192.0.2.7") == "192.0.2.7")
        #expect(ClientAddress.bucket(for: nil) == "unknown")
        #expect(ClientAddress.bucket(for: "not an address:") == "not an address:")
    }

    @Test func aRunBecomesOneRecordWithItsCount() {
        let run = FailedAuthentications.Run(
            client: "192.0.2.7", count: 133_000, firstAt: start, lastAt: start.addingTimeInterval(9.5))
        let record = run.auditRecord(requestId: "r1")
        #expect(record.count == 133_000 && record.status == 429 && record.outcome == "rate_limited")
        #expect(record.route == FailedAuthentications.auditRoute && record.client == "192.0.2.7")
        #expect(record.durationMs == 9500)
        // The count is hashed (between contactId and durationMs), so it cannot be changed unseen.
        let line = String(decoding: AuditChain.canonical(record.chained(seq: 1, prevHash: AuditChain.genesis)), as: UTF8.self)
        #expect(line.contains(#""contactId":null,"count":133000,"durationMs":9500.000,"#))
    }
}
