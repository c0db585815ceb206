import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Synchronization
import Testing

/// Reconciliation against the sandbox over HTTP: contacts changed without an event become one `ContactUpdate`
/// each, with `source: "reconcile"`, delivered to real receivers; what an event already told is not delivered
/// again; a search HighLevel fails leaves the cursor where it was; the cursor outlives the gateway.
@Suite struct ReconciliationTests {
    func createContact(_ gw: TestGateway, _ name: String) async throws -> String {
        let created = try await gw.call("POST", "/contacts/", json: #"{"firstName":"\#(name)","email":"\#(name.lowercased())@example.com"}"#)
        #expect(created.status == 201 || created.status == 200, "\(created.text)")
        return try #require((try created.json()["contact"] as? [String: Any])?["id"] as? String)
    }

    func reconcile(_ gw: TestGateway) async throws -> ReconciliationService.Outcome {
        let service = try #require(gw.gateway.reconciliation)
        return await service.reconcile(locationId: TestGateway.location)
    }

    func reconciled(_ gw: TestGateway) async throws -> [WebhookDelivery] {
        try await gw.gateway.repositories.webhooks.deliveries(subscriptionId: nil, status: nil, limit: 100)
    }

    @Test func changesWithoutAnEventAreDeliveredOnceThroughTheBudgetAndTheTrail() async throws {
        try await DeliveryAttemptTests().withReceiver { port, seen in
            try await withGateway(WebhookIntakeTests.options) { gw in
                _ = try await gw.gateway.webhookAdministration.create(
                    url: "http://127.0.0.1:\(port)/ok", events: ["ContactUpdate"], locations: [], enrich: false,
                    by: .operator)
                // The sandbox's own contacts were never announced by an event: the first pass finds them.
                let initial = try await reconcile(gw)
                #expect(initial.failure == nil && initial.found > 0 && initial.found == initial.seen, "\(initial)")
                let ada = try await createContact(gw, "Ada")
                let bob = try await createContact(gw, "Bob")
                // HighLevel did send an event for Bob's latest change: reconciliation must not repeat it.
                let fetched = try await gw.call("GET", "/contacts/\(bob)").json()
                let bobText = try #require((fetched["contact"] as? [String: Any])?["dateUpdated"] as? String)
                let bobNow = try #require(ISOTime.parse(bobText))
                let event = WebhookIntakeTests.event("wh-bob", type: "ContactUpdate", at: Date(), updated: bobNow, contact: bob)
                let taken = try await WebhookIntakeTests().post(gw, event, headers: [("X-GHL-Signature", try WebhookIntakeTests.signature(event))])
                #expect(taken.status == 200, "\(taken.text)")

                let first = try await reconcile(gw)
                #expect(first.failure == nil && first.found == 1 && first.seen > 2 && first.pages == 1, "\(first)")
                try await DeliveryDispatchTests().waitFor("the reconciled changes delivered") {
                    seen.requests.withLock { $0.count } == initial.found + 2
                }
                let bodies = seen.requests.withLock { $0.map(\.body) }.compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]
                }
                #expect(bodies.filter { $0["source"] as? String == "webhook" }.count == 1)
                let found = try #require(bodies.first {
                    $0["source"] as? String == "reconcile" && ($0["event"] as? [String: Any])?["id"] as? String == ada
                })
                #expect(found["type"] as? String == "ContactUpdate" && found["locationId"] as? String == TestGateway.location)
                let foundEvent = try #require(found["event"] as? [String: Any])
                #expect(foundEvent["id"] as? String == ada && foundEvent["firstName"] as? String == "Ada")
                #expect(foundEvent["type"] as? String == "ContactUpdate" && foundEvent["searchAfter"] == nil)

                // A second pass finds nothing new; a later change is found once.
                let second = try await reconcile(gw)
                #expect(second.failure == nil && second.found == 0, "\(second)")
                let changed = try await gw.call("PUT", "/contacts/\(bob)", json: #"{"lastName":"Later"}"#)
                #expect(changed.status == 200, "\(changed.text)")
                let third = try await reconcile(gw)
                #expect(third.found == 1, "\(third)")
                let events = try await reconciled(gw).filter { $0.eventId.hasPrefix("reconcile:") }
                #expect(events.count == initial.found + 2)

                // Every search is in the trail under the work that made it, and within the location's budget.
                await gw.gateway.audit.flush()
                let searches = try await gw.store.auditRecords(
                    matching: AuditQuery(route: "POST /contacts/search"), ascending: true, limit: 100)
                #expect(searches.count == 4 && searches.allSatisfy { $0.keyName == "(reconciliation)" && $0.keyId == nil })
                #expect(searches.allSatisfy { $0.status == 200 && $0.locationId == TestGateway.location })
                #expect(gw.sandbox.stats().rateLimited == 0)
                #expect(try await gw.verifyAudit().ok)
            }
        }
    }

    @Test func aSearchHighLevelFailsLeavesTheCursorAndTheNextPassFindsTheChange() async throws {
        try await withGateway(WebhookIntakeTests.options) { gw in
            let webhooks = gw.gateway.repositories.webhooks
            _ = try await createContact(gw, "Cy")
            gw.sandbox.addFault(SandboxFault(method: "POST", pathPrefix: "/contacts/search", status: 500))
            let failed = try await reconcile(gw)
            #expect(failed.failure?.contains("500") == true && failed.found == 0, "\(failed)")
            #expect(try await webhooks.reconciliationCursor(locationId: TestGateway.location) == nil)

            // HighLevel answering what is not a search (a broken proxy in between) stops the pass the same way.
            gw.sandbox.addFault(SandboxFault(method: "POST", pathPrefix: "/contacts/search", status: 200, body: #"{"oops":1}"#))
            let malformed = try await reconcile(gw)
            #expect(malformed.failure?.contains("no contacts array") == true, "\(malformed)")
            #expect(try await webhooks.reconciliationCursor(locationId: TestGateway.location) == nil)

            // Cy and the sandbox's own contacts, all found by the pass that got through.
            let recovered = try await reconcile(gw)
            #expect(recovered.failure == nil && recovered.found > 1 && recovered.found == recovered.seen, "\(recovered)")
            #expect(try await webhooks.reconciliationCursor(locationId: TestGateway.location) != nil)
            let metrics = try await gw.call("GET", "/metrics", key: nil).text
            #expect(metrics.contains(#"gateway_reconcile_passes_total{outcome="failed"}"#), "\(metrics)")
            #expect(metrics.contains(#"gateway_reconcile_passes_total{outcome="finished"}"#))
            #expect(metrics.contains("gateway_reconcile_found_total"))
        }
    }

    @Test func theCursorIsInTheStoreSoAnotherGatewayDeliversNothingTwice() async throws {
        let first = try await TestGateway.start(WebhookIntakeTests.options)
        _ = try await createContact(first, "Di")
        #expect(try await reconcile(first).found > 1)
        let cursor = try #require(try await first.gateway.repositories.webhooks.reconciliationCursor(locationId: TestGateway.location))

        // A second gateway on the same file (a restart, or another node) goes on from the stored cursor.
        var options = WebhookIntakeTests.options
        options.sharing = first
        let second = try await TestGateway.start(options)
        let again = try await reconcile(second)
        #expect(again.failure == nil && again.found == 0 && again.seen > 0, "\(again)")
        let moved = try #require(try await second.gateway.repositories.webhooks.reconciliationCursor(locationId: TestGateway.location))
        #expect(moved > cursor)
        await second.stop(removeFiles: false)
        await first.stop()
    }

    @Test func aBacklogLongerThanAPageIsPagedThroughToItsEnd() async throws {
        var options = WebhookIntakeTests.options
        // Room for the 120 creations and the searches, so that the pass's reserve never has to wait here.
        options.upstreamLimit = Rate(count: 1_000, perSeconds: 10)
        try await withGateway(options) { gw in
            var made: Set<String> = []
            for index in 0..<120 { made.insert(try await createContact(gw, "Many\(index)")) }
            let pass = try await reconcile(gw)
            #expect(pass.failure == nil && pass.pages == 2 && pass.seen == pass.found && pass.found >= 120, "\(pass)")
            let found = Set(try await reconciled(gw).map(\.eventId))
            #expect(found.isEmpty, "no subscription: events held, nothing to deliver")
            let times = try await gw.gateway.repositories.webhooks.contactUpdateTimes(
                locationId: TestGateway.location, contactIds: Array(made))
            #expect(Set(times.keys) == made, "every contact of the backlog is held")
        }
    }

    @Test func anEnrichedDeliveryCarriesTheContactFetchedThroughTheTrail() async throws {
        try await DeliveryAttemptTests().withReceiver { port, seen in
            var options = WebhookIntakeTests.options
            options.deliverySchedule = DeliverySchedule(waits: [.milliseconds(300)])
            try await withGateway(options) { gw in
                let subscription = try await gw.gateway.webhookAdministration.create(
                    url: "http://127.0.0.1:\(port)/ok", events: ["*"], locations: [], enrich: true, by: .operator)
                let eve = try await createContact(gw, "Eve")
                func post(_ id: String, contact: String) async throws {
                    let event = WebhookIntakeTests.event(id, type: "ContactUpdate", contact: contact)
                    let taken = try await WebhookIntakeTests().post(gw, event, headers: [("X-GHL-Signature", try WebhookIntakeTests.signature(event))])
                    #expect(taken.status == 200, "\(taken.text)")
                }
                try await post("wh-eve", contact: eve)
                try await DeliveryDispatchTests().waitFor("the enriched delivery") { seen.requests.withLock { $0.count } == 1 }
                let body = try #require(seen.requests.withLock { $0.first?.body })
                let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
                let contact = try #require(json["contact"] as? [String: Any], "\(String(decoding: body, as: UTF8.self))")
                #expect(contact["id"] as? String == eve && contact["firstName"] as? String == "Eve")

                // A contact HighLevel no longer has: delivered, with "contact": null.
                try await post("wh-gone", contact: "no-such-contact")
                try await DeliveryDispatchTests().waitFor("the delivery of a gone contact") { seen.requests.withLock { $0.count } == 2 }
                let gone = try #require(seen.requests.withLock { $0.last?.body })
                #expect(String(decoding: gone, as: UTF8.self).hasSuffix(#","contact":null}"#))

                // HighLevel failing the fetch: not sent without the contact, tried again on the schedule.
                gw.sandbox.addFault(SandboxFault(method: "GET", pathPrefix: "/contacts/\(eve)", status: 500, times: 100))
                try await post("wh-failing", contact: eve)
                let webhooks = gw.gateway.repositories.webhooks
                try await DeliveryDispatchTests().waitFor("the failing enrichment given up") {
                    try await webhooks.deliveries(subscriptionId: subscription.id, status: .dead, limit: 10).count == 1
                }
                let dead = try #require(try await webhooks.deliveries(subscriptionId: subscription.id, status: .dead, limit: 10).first)
                #expect(dead.progress.attempts == 2 && dead.progress.lastError?.contains("enrichment") == true, "\(dead.progress)")
                #expect(seen.requests.withLock { $0.count } == 2, "nothing sent without its contact")
                gw.sandbox.clearFaults()

                await gw.gateway.audit.flush()
                let fetches = try await gw.store.auditRecords(
                    matching: AuditQuery(route: "GET /contacts/{contactId}"), ascending: true, limit: 100)
                    .filter { $0.keyName == "(enrichment)" }
                // The failing fetches: HighLevel's 500, or the location's breaker (503) once it has opened.
                let statuses = fetches.map(\.status)
                #expect(statuses.count == 4 && statuses.prefix(2) == [200, 404] && statuses.dropFirst(2).allSatisfy { $0 >= 500 }, "\(statuses)")
                #expect(fetches.first?.contactId == eve)
            }
        }
    }
}
