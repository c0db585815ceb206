import Foundation
import GatewayCore
import Testing

@testable import GatewayConsole

/// The console's values apart from HTTP: form decoding, the range check of the chain, the chart's buckets.
@Suite struct ConsoleValuesTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func chain(_ count: Int) -> [AuditRecord] {
        var previous = AuditChain.genesis
        return (1...count).map { index in
            let record = AuditRecord(
                time: start.addingTimeInterval(Double(index)), requestId: "r\(index)", method: "GET",
                route: "GET /console", path: "/console", status: index == 2 ? 403 : 200,
                outcome: index == 2 ? .denied : .ok, keyId: "k1", keyName: "admin", role: "admin", locationId: nil,
                contactId: nil, upstreamStatus: nil, upstreamAttempts: 0, durationMs: 1, client: "127.0.0.1")
                .chained(seq: Int64(index), prevHash: previous)
            previous = record.hash
            return record
        }
    }

    @Test func formsDecodeAsBrowsersSendThem() {
        let form = FormFields("name=ci+job&scopes=audit.read&scopes=keys.manage&empty=&rate=10%2Fs&bad=%zz&=x")
        #expect(form["name"] == "ci job")
        #expect(form.all("scopes") == ["audit.read", "keys.manage"])
        #expect(form["empty"] == nil)
        #expect(form["rate"] == "10/s")
        #expect(form["bad"] == nil && form.raw("bad") == "", "a malformed escape is no value")
        #expect(form["missing"] == nil)
    }

    @Test func formTokensCompareWhole() {
        #expect(ConsoleControllerTokens.same("abc", "abc"))
        #expect(!ConsoleControllerTokens.same("abd", "abc"))
        #expect(!ConsoleControllerTokens.same("ab", "abc"))
        #expect(!ConsoleControllerTokens.same(nil, "abc"))
    }

    @Test func anIntactRangeHolds() {
        let records = Self.chain(6)
        #expect(AuditRangeCheck.verdict(Array(records[1...5]), first: 3, last: 6) == .holds(first: 3, last: 6, checked: 4))
        #expect(AuditRangeCheck.verdict(records, first: 1, last: 6) == .holds(first: 1, last: 6, checked: 6))
    }

    @Test func aChangedRecordBreaksTheRange() {
        var records = Self.chain(5)
        records[2].status = 500
        #expect(AuditRangeCheck.verdict(records, first: 1, last: 5) == .broken(seq: 3, reason: "its fields do not match its hash"))
    }

    @Test func aRecordRemovedOrRechainedBreaksTheRange() {
        var records = Self.chain(5)
        records.remove(at: 2)
        #expect(AuditRangeCheck.verdict(records, first: 1, last: 5) == .broken(seq: 3, reason: "the record is missing from the trail"))
        // Recomputed after an edit, but no longer linked to the record before it.
        var relinked = Self.chain(5)
        relinked[3].status = 500
        relinked[3] = relinked[3].chained(seq: 4, prevHash: String(repeating: "1", count: 64))
        #expect(AuditRangeCheck.verdict(relinked, first: 1, last: 5) == .broken(seq: 4, reason: "it does not link to record #3"))
        // The last record of the range is gone.
        #expect(AuditRangeCheck.verdict(Array(Self.chain(5).prefix(4)), first: 1, last: 5)
            == .broken(seq: 5, reason: "the record is missing from the trail"))
    }

    @Test func theChartCountsTheLastHourInFiveMinuteBars() {
        let now = Self.start.addingTimeInterval(3600)
        var records = Self.chain(3)
        records[0].timeMs = Int64((now.timeIntervalSince1970 - 10) * 1000)       // now's bar
        records[1].timeMs = Int64((now.timeIntervalSince1970 - 3599) * 1000)     // the first bar, an error
        records[2].timeMs = Int64((now.timeIntervalSince1970 - 4000) * 1000)     // before the hour
        records[0].count = 7
        let chart = RequestsChart(records: records, now: now)
        #expect(chart.requests == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7])
        #expect(chart.errors == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(chart.svg.hasPrefix("<svg"))
        #expect(chart.svg.contains("Requests over the last hour: 8, of which 1 errors"))
    }

    @Test func theBreakerIsWrittenForPeople() {
        #expect(ConsoleFormat.breaker(nil) == ("closed (no calls yet)", false))
        #expect(ConsoleFormat.breaker(.closed(consecutiveFailures: 0)) == ("closed", false))
        #expect(ConsoleFormat.breaker(.closed(consecutiveFailures: 2)) == ("closed, 2 failure(s) in a row", false))
        #expect(ConsoleFormat.breaker(.open(until: 10)).failing)
        #expect(ConsoleFormat.breaker(.halfOpen(probeInFlight: true)).failing)
    }
}
