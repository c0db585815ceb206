import Foundation
import Testing

@testable import GatewayCore

@Suite struct ReconciliationPassTests {
    let now = Date(timeIntervalSince1970: 1_764_651_600)  // 2025-12-02T05:00:00Z

    private func page(_ contacts: [(String, String)], full: Bool = false) -> [UInt8] {
        let items = contacts.enumerated().map { index, contact in
            #"{"id":"\#(contact.0)","dateUpdated":"\#(contact.1)","searchAfter":[\#(1000 + index),"\#(contact.0)"]}"#
        }
        return Array(#"{"contacts":[\#(items.joined(separator: ","))],"total":\#(contacts.count)}"#.utf8)
    }

    private func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func theSearchCoversTheWindowSinceTheCursorOldestFirst() throws {
        let cursor = now.addingTimeInterval(-900)
        let pass = ReconciliationPass(locationId: "loc-a", cursor: cursor, now: now, firstLookBack: 3600)
        #expect(pass.from == cursor.addingTimeInterval(-ReconciliationPass.overlap) && pass.to == now)
        let body = try json(pass.searchBody())
        #expect(body["locationId"] as? String == "loc-a" && body["pageLimit"] as? Int == 100)
        #expect(body["searchAfter"] == nil)
        let filter = try #require((body["filters"] as? [[String: Any]])?.first)
        #expect(filter["field"] as? String == "dateUpdated" && filter["operator"] as? String == "range")
        #expect(filter["value"] as? [String: String] == ["gte": "2025-12-02T04:43:00.000Z", "lte": "2025-12-02T05:00:00.000Z"])
        #expect(body["sort"] as? [[String: String]] == [["field": "dateUpdated", "direction": "asc"]])
        // A first pass looks back as far as it is told.
        let first = ReconciliationPass(locationId: "loc-a", cursor: nil, now: now, firstLookBack: 3600)
        #expect(first.from == now.addingTimeInterval(-3600 - ReconciliationPass.overlap))
        #expect(first.cursorAfter == now)
    }

    @Test func fullPagesGoOnWithTheLastSearchAfterAndAShortPageEndsThePass() throws {
        var pass = ReconciliationPass(locationId: "loc-a", cursor: now.addingTimeInterval(-60), now: now, firstLookBack: 0)
        let fullPage = (0..<ReconciliationPass.pageLimit).map { ("c\($0)", "2025-12-02T04:59:00.000Z") }
        #expect(try pass.take(page: page(fullPage)).count == 100)
        #expect(!pass.finished)
        #expect(try json(pass.searchBody())["searchAfter"] as? [AnyHashable] == [1099, "c99"])
        let last = try pass.take(page: page([("c100", "2025-12-02T04:59:30Z")]))
        #expect(last.map(\.contactId) == ["c100"] && last.map(\.dateUpdated) == [now.addingTimeInterval(-30)])
        // The contact as the search returned it, without the paging cursor.
        let contact = try #require(try JSONSerialization.jsonObject(with: Data(last[0].contact)) as? [String: String])
        #expect(contact == ["id": "c100", "dateUpdated": "2025-12-02T04:59:30Z"])
        #expect(pass.finished)
    }

    @Test func aChangeBecomesAContactUpdateDeduplicatedByLocationContactAndTime() throws {
        var pass = ReconciliationPass(locationId: "loc-a", cursor: nil, now: now, firstLookBack: 900)
        let found = try pass.take(page: page([("c1", "2025-12-02T04:59:30.250Z")]))
        let event = pass.event(for: found[0], receivedAt: now)
        #expect(event.id == "reconcile:loc-a:c1:1764651570250" && event.source == .reconcile)
        #expect(event.type == "ContactUpdate" && event.contactId == "c1" && event.contactUpdatedAt == found[0].dateUpdated)
        let body = try json(event.body)
        #expect(body["type"] as? String == "ContactUpdate" && body["locationId"] as? String == "loc-a")
        #expect(body["id"] as? String == "c1" && body["searchAfter"] == nil)
        // Found again (the overlap, another gateway): the same id, so the store takes it once.
        let again = try pass.take(page: page([("c1", "2025-12-02T04:59:30.250Z")]))
        #expect(pass.event(for: again[0], receivedAt: now.addingTimeInterval(60)).id == event.id)
    }

    @Test(arguments: [
        (#"{"total":0}"#, "HighLevel's search answer has no contacts array"),
        (#"not json"#, "HighLevel's search answer has no contacts array"),
        (#"{"contacts":[{"id":"c1"}]}"#, "a contact in HighLevel's search answer has no id or dateUpdated"),
        (#"{"contacts":[{"id":"c1","dateUpdated":"yesterday"}]}"#, "a contact in HighLevel's search answer has no id or dateUpdated"),
    ])
    func nonsenseFromHighLevelIsNamed(answer: String, problem: String) {
        var pass = ReconciliationPass(locationId: "loc-a", cursor: nil, now: now, firstLookBack: 60)
        #expect(throws: ReconciliationPass.Malformed(problem)) { try pass.take(page: Array(answer.utf8)) }
        #expect(!pass.finished)
    }

    @Test func aFullPageWithoutSearchAfterCannotGoOn() {
        var pass = ReconciliationPass(locationId: "loc-a", cursor: nil, now: now, firstLookBack: 60)
        let items = (0..<100).map { #"{"id":"c\#($0)","dateUpdated":"2025-12-02T04:59:00Z"}"# }.joined(separator: ",")
        #expect(throws: ReconciliationPass.Malformed("a full page of HighLevel's search answer has no searchAfter to go on from")) {
            try pass.take(page: Array(#"{"contacts":[\#(items)]}"#.utf8))
        }
    }

    /// Only what changed after what the gateway holds becomes a delivery, once per contact, so the overlap and a
    /// second pass over the same window deliver nothing again.
    @Test func onlyChangesNewerThanWhatIsHeldAreDeliveredOnce() {
        let t = { (seconds: TimeInterval) in self.now.addingTimeInterval(seconds) }
        let found: [ReconciliationPass.Found] = [
            .init(contactId: "told", dateUpdated: t(-100)),  // an event told of this change
            .init(contactId: "missed", dateUpdated: t(-90)),
            .init(contactId: "later", dateUpdated: t(-80)),  // changed again after its event
            .init(contactId: "missed", dateUpdated: t(-50)),  // twice in one window: its newest change, once
        ]
        let known = ["told": t(-100), "later": t(-120)]
        let changes = ReconciliationPass.changes(in: found, known: known)
        #expect(changes.map(\.contactId) == ["later", "missed"])
        #expect(changes.first { $0.contactId == "missed" }?.dateUpdated == t(-50))
        // The next pass knows what this one delivered.
        var after = known
        for change in changes { after[change.contactId] = change.dateUpdated }
        #expect(ReconciliationPass.changes(in: found, known: after).isEmpty)
    }

    /// A change an event told of is not found again once its time has been through a store: every millisecond of a
    /// second, parsed from HighLevel's text and read back as seconds since 1970 (as SQLite holds it) or at the
    /// microsecond (PostgreSQL's `timestamptz`), is the same change; a millisecond later is a new one.
    @Test func aTimeReadBackFromAStoreIsTheSameChange() throws {
        for millisecond in 0..<1000 {
            let text = "2026-12-02T19:19:29.\(String(format: "%03d", millisecond))Z"
            let parsed = try #require(ISOTime.parse(text))
            #expect(ISOTime.text(parsed) == text)
            let fromSQLite = Date(timeIntervalSince1970: parsed.timeIntervalSince1970)
            let fromPostgres = Date(timeIntervalSince1970: (parsed.timeIntervalSince1970 * 1e6).rounded() / 1e6)
            for held in [fromSQLite, fromPostgres] {
                #expect(ISOTime.text(held) == text)
                let found = [ReconciliationPass.Found(contactId: "c", dateUpdated: parsed)]
                #expect(ReconciliationPass.changes(in: found, known: ["c": held]).isEmpty, "\(text)")
                let later = [ReconciliationPass.Found(contactId: "c", dateUpdated: parsed.addingTimeInterval(0.001))]
                #expect(ReconciliationPass.changes(in: later, known: ["c": held]).count == 1, "\(text)")
            }
        }
    }
}
