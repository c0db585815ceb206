import Crypto
import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import Testing
import _CryptoExtras

/// `POST /webhooks/highlevel` over a real socket, with real Ed25519 and RSA signatures over the raw bytes: what it
/// takes, what it refuses, and what it stores.
@Suite struct WebhookIntakeTests {
    /// The key's bytes: swift-crypto's key types are not Sendable, so the key is rebuilt from them where used.
    static let seed = Curve25519.Signing.PrivateKey().rawRepresentation
    static var signing: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: seed) }
    static let pem: String = {
        let der: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]
            + signing.publicKey.rawRepresentation
        return "-----BEGIN PUBLIC KEY-----\n\(Data(der).base64EncodedString())\n-----END PUBLIC KEY-----\n"
    }()
    static let options = TestGateway.Options(webhookPublicKey: pem)

    /// A contact event; its contact is `c-<id>` and its `dateUpdated` its `timestamp` unless told.
    static func event(
        _ id: String, type: String = "ContactCreate", location: String = "loc-sandbox", at time: Date = Date(),
        updated: Date? = nil, contact: String? = nil
    ) -> [UInt8] {
        let stamp = ISOTime.text(time)
        let contact = contact ?? "c-\(id)"
        let updated = ISOTime.text(updated ?? time)
        return Array(
            #"{"type":"\#(type)","locationId":"\#(location)","id":"\#(contact)","webhookId":"\#(id)","timestamp":"\#(stamp)","dateUpdated":"\#(updated)","firstName":"Zo\#u{eb}"}"#.utf8)
    }

    static func signature(_ body: [UInt8]) throws -> String {
        try signing.signature(for: Data(body)).base64EncodedString()
    }

    func post(_ gw: TestGateway, _ body: [UInt8], headers: [(name: String, value: String)]) async throws -> CurlResponse {
        try await gw.client.execute(
            CurlRequest(
                method: "POST", url: gw.url + "/webhooks/highlevel",
                headers: [("Content-Type", "application/json")] + headers, body: body))
    }

    func subscribe(_ gw: TestGateway, _ id: String, events: [String], locations: [String] = []) async throws {
        try await gw.gateway.repositories.webhooks.insertSubscription(
            WebhookSubscription(
                id: id, url: "http://127.0.0.1:9/\(id)", events: events, locations: locations, enrich: false,
                secret: StandardWebhookSigner.newSecret(), createdAt: Date()))
    }

    @Test func anEventIsCommittedWithADeliveryPerMatchingSubscriptionAndTakenOnce() async throws {
        try await withGateway(Self.options) { gw in
            try await subscribe(gw, "sub_created", events: ["ContactCreate"])
            try await subscribe(gw, "sub_every", events: ["*"], locations: ["loc-sandbox"])
            try await subscribe(gw, "sub_tasks", events: ["TaskCreate"])
            try await subscribe(gw, "sub_elsewhere", events: ["*"], locations: ["loc-other"])
            let body = Self.event("wh-1")
            let taken = try await post(gw, body, headers: [("X-GHL-Signature", try Self.signature(body))])
            #expect(taken.status == 200, "\(taken.text)")
            let answer = try taken.json()
            #expect(answer["webhookId"] as? String == "wh-1" && answer["duplicate"] as? Bool == false)
            #expect(answer["deliveries"] as? Int == 2)
            let deliveries = try await gw.gateway.repositories.webhooks.deliveries(subscriptionId: nil, status: nil, limit: 10)
            #expect(Set(deliveries.map(\.subscriptionId)) == ["sub_created", "sub_every"])
            #expect(deliveries.allSatisfy { $0.eventId == "wh-1" && $0.type == "ContactCreate" })

            // HighLevel sends it again (its answer was lost): 200, nothing new.
            let again = try await post(gw, body, headers: [("X-GHL-Signature", try Self.signature(body))])
            #expect(again.status == 200)
            #expect(try again.json()["duplicate"] as? Bool == true)
            #expect(try await gw.gateway.repositories.webhooks.deliveries(subscriptionId: nil, status: nil, limit: 10).count == 2)

            // Both are in the trail, under the route's label, with the event's ids.
            let records = try await gw.store.auditRecords(
                matching: AuditQuery(route: "POST /webhooks/highlevel"), ascending: true, limit: 10)
            #expect(records.map(\.status) == [200, 200])
            #expect(records.allSatisfy { $0.resourceId == "wh-1" && $0.locationId == "loc-sandbox" && $0.contactId == "c-wh-1" })
            #expect(records.allSatisfy { $0.keyId == nil && $0.outcome == "ok" })
        }
    }

    @Test func refusalsStoreAndDeliverNothing() async throws {
        try await withGateway(Self.options) { gw in
            try await subscribe(gw, "sub_every", events: ["*"])
            let body = Self.event("wh-refused")
            let other = try Curve25519.Signing.PrivateKey().signature(for: Data(body)).base64EncodedString()
            var tampered = body
            tampered[tampered.count - 3] ^= 0x01
            let stale = Self.event("wh-stale", at: Date().addingTimeInterval(-6 * 60))
            let future = Self.event("wh-future", at: Date().addingTimeInterval(6 * 60))
            let notJSON = Array("type=ContactCreate".utf8)
            let noId = Array(#"{"type":"ContactCreate","timestamp":"2026-12-02T00:00:00Z"}"#.utf8)
            let cases: [(body: [UInt8], headers: [(name: String, value: String)], status: Int, detail: String)] = [
                (body, [], 401, "no X-GHL-Signature"),
                (body, [("X-GHL-Signature", "bm90IGEgc2lnbmF0dXJl")], 401, "not the base64 of a 64-byte"),
                (body, [("X-GHL-Signature", other)], 401, "does not verify"),
                (tampered, [("X-GHL-Signature", try Self.signature(body))], 401, "does not verify"),
                (body, [("X-WH-Signature", other)], 401, "no RSA key is configured"),
                (stale, [("X-GHL-Signature", try Self.signature(stale))], 401, "more than 5 minutes"),
                (future, [("X-GHL-Signature", try Self.signature(future))], 401, "more than 5 minutes"),
                (notJSON, [("X-GHL-Signature", try Self.signature(notJSON))], 400, "not a JSON object"),
                (noId, [("X-GHL-Signature", try Self.signature(noId))], 400, "no webhookId"),
            ]
            for (body, headers, status, detail) in cases {
                let response = try await post(gw, body, headers: headers)
                try response.expectProblem(status, containing: detail)
            }
            #expect(try await gw.gateway.repositories.webhooks.deliveries(subscriptionId: nil, status: nil, limit: 10).isEmpty)
            #expect(try await gw.gateway.repositories.webhooks.outboxDepth().pending == 0)
        }
    }

    @Test func withoutAKeyNothingIsAccepted() async throws {
        try await withGateway { gw in
            let body = Self.event("wh-nokey")
            let response = try await post(gw, body, headers: [("X-GHL-Signature", try Self.signature(body))])
            try response.expectProblem(503, containing: "GATEWAY_WEBHOOK_PUBLIC_KEY")
        }
    }

    @Test func aBodyOverTheLimitIsRefused() async throws {
        var options = Self.options
        options.maxBodyBytes = 512
        try await withGateway(options) { gw in
            let body = Array(repeating: UInt8(ascii: " "), count: 600) + Self.event("wh-big")
            let response = try await post(gw, body, headers: [("X-GHL-Signature", try Self.signature(body))])
            try response.expectProblem(413)
        }
    }

    @Test func theLegacyRSASignatureIsTakenOnlyWithItsKey() async throws {
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        var options = Self.options
        options.webhookRSAPublicKey = rsa.publicKey.pemRepresentation
        try await withGateway(options) { gw in
            let body = Self.event("wh-rsa")
            let signature = try rsa.signature(for: SHA256.hash(data: body), padding: .insecurePKCS1v1_5)
            let response = try await post(gw, body, headers: [("X-WH-Signature", signature.rawRepresentation.base64EncodedString())])
            #expect(response.status == 200, "\(response.text)")
            // X-GHL-Signature, when present, decides alone: a wrong one is not saved by a right RSA one.
            let both = try await post(gw, Self.event("wh-rsa-2"), headers: [
                ("X-GHL-Signature", try Self.signature(body)),
                ("X-WH-Signature", signature.rawRepresentation.base64EncodedString()),
            ])
            try both.expectProblem(401, containing: "does not verify")
        }
    }

    @Test func anEventTheStoreCannotTakeGets429SoHighLevelSendsItAgain() async throws {
        try await withGateway(Self.options) { gw in
            try await subscribe(gw, "sub_every", events: ["*"])
            let body = Self.event("wh-locked")
            let lock = try await StoreLock.hold(gw.store.path, seconds: 60)
            let refused = try await post(gw, body, headers: [("X-GHL-Signature", try Self.signature(body))])
            try await lock.end()
            try refused.expectProblem(429, containing: "send it again")
            #expect(refused.header("Retry-After") != nil)
            // HighLevel's retry, once the store is back, is taken.
            let retried = try await post(gw, body, headers: [("X-GHL-Signature", try Self.signature(body))])
            #expect(retried.status == 200, "\(retried.text)")
            #expect(try retried.json()["duplicate"] as? Bool == false)
            #expect(try await gw.gateway.repositories.webhooks.outboxDepth().pending == 1)
        }
    }
}
