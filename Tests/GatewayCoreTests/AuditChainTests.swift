import Foundation
import GatewayCore
import Synchronization
import Testing

@Suite struct AuditChainTests {
    static func event(_ id: String) -> AuditRecord {
        AuditRecord(time: Date(timeIntervalSince1970: 1_764_037_240.1239), requestId: id, method: "GET",
                   route: "GET /contacts/{contactId}", path: "/contacts/c\"1\n", status: 200, outcome: .ok,
                   keyId: "k1", upstreamStatus: 200, upstreamAttempts: 1, durationMs: 12.3456)
    }

    @Test func canonicalEncodingIsTheDocumentedOne() {
        let record = Self.event("r1").chained(seq: 1, prevHash: AuditChain.genesis)
        let canonical = String(decoding: AuditChain.canonical(record), as: UTF8.self)
        #expect(canonical == #"{"client":null,"contactId":null,"durationMs":12.346,"keyId":"k1","keyName":null,"locationId":null,"method":"GET","outcome":"ok","path":"/contacts/c\"1\u000a","requestId":"r1","resourceId":null,"role":null,"route":"GET /contacts/{contactId}","seq":1,"status":200,"time":"2025-11-25T02:20:40.123Z","upstreamAttempts":1,"upstreamStatus":200}"#)
        // SHA-256 of 64 zeros followed by the line above, computed outside Swift (Python's hashlib): the hash of
        // every record already stored depends on these exact bytes.
        #expect(record.hash == "4c32de9894e945d8dadf699db2982d7f8d26f027ce74a57ea9742b52a74ef5e0")
        #expect(AuditChain.rfc3339(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(AuditChain.rfc3339(milliseconds: 951_782_400_007) == "2000-02-29T00:00:00.007Z")
        #expect(AuditChain.rfc3339(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
        #expect(AuditChain.rfc3339(milliseconds: 253_402_300_799_999) == "9999-12-31T23:59:59.999Z")
    }

    @Test func canonicalNumbersAndEscapes() {
        var record = Self.event("r\\\u{1f}").chained(seq: 9_007_199_254_740_993, prevHash: AuditChain.genesis)
        record.durationMicros = 0
        record.upstreamStatus = nil
        record.status = 5
        var text = String(decoding: AuditChain.canonical(record), as: UTF8.self)
        #expect(text.contains(#""durationMs":0.000,"#))
        #expect(text.contains(#""requestId":"r\\\u001f","#))
        #expect(text.contains(#""seq":9007199254740993,"status":5,"#))
        #expect(text.hasSuffix(#""upstreamStatus":null}"#))
        record.durationMicros = 1_000_050
        text = String(decoding: AuditChain.canonical(record), as: UTF8.self)
        #expect(text.contains(#""durationMs":1000.050,"#))
    }

    @Test func verifierFollowsTheChainAndNamesTheFirstBreak() throws {
        var records: [AuditRecord] = []
        var previous = AuditChain.genesis
        for seq in 1...5 {
            let record = Self.event("r\(seq)").chained(seq: Int64(seq), prevHash: previous)
            records.append(record)
            previous = record.hash
        }
        var verifier = AuditVerifier()
        for record in records { try verifier.check(record) }
        #expect(verifier.checked == 5)

        var changed = records
        changed[2].status = 500
        var broken = AuditVerifier()
        #expect(throws: AuditVerifier.Failure.self) { for record in changed { try broken.check(record) } }
        #expect(broken.expectedSeq == 3)

        var resumed = AuditVerifier(after: (seq: 2, hash: records[1].hash))
        for record in records.dropFirst(2) { try resumed.check(record) }
        #expect(resumed.checked == 3)
    }

    final class SlowLedger: AuditLedger {
        let batches = Mutex<[Int]>([])
        let failing = Mutex(false)
        func appendAudit(_ events: [AuditRecord]) throws {
            Thread.sleep(forTimeInterval: 0.005)
            if failing.withLock({ $0 }) { throw CocoaError(.fileWriteNoPermission) }
            batches.withLock { $0.append(events.count) }
        }
        func probeAuditWritable() async throws {
            if failing.withLock({ $0 }) { throw CocoaError(.fileWriteNoPermission) }
        }
    }

    @Test func concurrentRecordsShareTransactionsAndFailuresReachEveryWaiter() async throws {
        let ledger = SlowLedger()
        let trail = AuditTrail(ledger: ledger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<500 { group.addTask { try await trail.record(Self.event("r\(index)")) } }
            try await group.waitForAll()
        }
        let batches = ledger.batches.withLock { $0 }
        #expect(batches.reduce(0, +) == 500)
        #expect(batches.count < 100, "no group commit: \(batches.count) transactions")

        ledger.failing.withLock { $0 = true }
        await #expect(throws: AuditTrail.Unwritable.self) { try await trail.record(Self.event("lost")) }
        await #expect(throws: AuditTrail.Unwritable.self) { try await trail.ensureWritable() }
        ledger.failing.withLock { $0 = false }
        try await trail.ensureWritable()
        try await trail.record(Self.event("back"))
    }

    @Test func asyncDurabilityReturnsBeforeTheCommitAndFlushWaitsForIt() async throws {
        let ledger = SlowLedger()
        let trail = AuditTrail(ledger: ledger, durability: .async)
        for index in 0..<50 { try await trail.record(Self.event("r\(index)")) }
        await trail.flush()
        #expect(ledger.batches.withLock { $0.reduce(0, +) } == 50)
    }
}
