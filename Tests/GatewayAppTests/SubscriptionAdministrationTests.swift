import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import GRDB
import Testing

/// Subscriptions and deliveries through the admin API and the CLI: what they take, what they show, what they refuse.
@Suite struct SubscriptionAdministrationTests {
    static let create = #"{"url":"https://tools.example/hook","events":["ContactCreate","ContactUpdate"],"locations":["loc-sandbox"],"enrich":true}"#

    @Test func anAdminSubscribesAndTheSecretIsShownOnce() async throws {
        try await withGateway { gw in
            let created = try await gw.call("POST", "/admin/v1/subscriptions", key: gw.adminKey, json: Self.create)
            #expect(created.status == 201, "\(created.text)")
            let body = try created.json()
            let id = try #require(body["id"] as? String)
            #expect(Set(body.keys) == ["id", "url", "events", "locations", "enrich", "secret"])
            #expect((body["secret"] as? String)?.hasPrefix("whsec_") == true)
            #expect(body["events"] as? [String] == ["ContactCreate", "ContactUpdate"] && body["enrich"] as? Bool == true)

            let listed = try await gw.call("GET", "/admin/v1/subscriptions", key: gw.adminKey)
            #expect(listed.status == 200)
            #expect(!listed.text.contains("whsec_"), "a listing never shows the secret")
            let first = try #require((try listed.json()["subscriptions"] as? [[String: Any]])?.first)
            #expect(first["id"] as? String == id && first["status"] as? String == "enabled")

            // The secret is stored sealed, and opens to what was shown.
            #expect(try await gw.gateway.repositories.webhooks.subscription(id: id)?.secret == body["secret"] as? String)
            let sealed = try await DatabaseQueue(path: gw.store.path).read { db in
                try Data.fetchOne(db, sql: "SELECT secret FROM webhook_subscriptions WHERE id = ?", arguments: [id])
            }
            #expect(sealed.map { !String(decoding: $0, as: UTF8.self).contains("whsec_") } == true)

            try await gw.gateway.repositories.webhooks.setSubscriptionDisabled(id: id, at: Date(), reason: "410 Gone")
            let enabled = try await gw.call("POST", "/admin/v1/subscriptions/\(id)/enable", key: gw.adminKey)
            #expect(enabled.status == 200)
            #expect(try enabled.json()["status"] as? String == "enabled")

            #expect(try await gw.call("DELETE", "/admin/v1/subscriptions/\(id)", key: gw.adminKey).status == 204)
            try await gw.call("DELETE", "/admin/v1/subscriptions/\(id)", key: gw.adminKey).expectProblem(404)
            try await gw.call("POST", "/admin/v1/subscriptions/\(id)/enable", key: gw.adminKey).expectProblem(404)
        }
    }

    @Test func badSubscriptionsAreRefusedByField() async throws {
        try await withGateway { gw in
            let cases: [(json: String, detail: String)] = [
                (#"{"url":"ftp://tools.example/x","events":["*"]}"#, "url: only http and https"),
                (#"{"url":"https://user:pw@tools.example/x","events":["*"]}"#, "url: the URL holds credentials"),
                (#"{"url":"/relative","events":["*"]}"#, "url:"),
                (#"{"url":"https://tools.example/x","events":[]}"#, "events: name at least one"),
                (#"{"url":"https://tools.example/x","events":["ContactCreated"]}"#, "'ContactCreated' is not one of HighLevel's event types"),
                (#"{"url":"https://tools.example/x","events":["*"],"locations":["loc/../x"]}"#, "locations: 'loc/../x' is not a location id"),
                (#"{"url":"https://tools.example/x"}"#, "events"),
                (#"not json"#, ""),
            ]
            for (json, detail) in cases {
                let response = try await gw.call("POST", "/admin/v1/subscriptions", key: gw.adminKey, json: json)
                try response.expectProblem(400, containing: detail.isEmpty ? nil : detail)
            }
            #expect(try await gw.gateway.repositories.webhooks.subscriptions().isEmpty)
        }
    }

    @Test func keysReachOnlyWhatTheyCouldRead() async throws {
        try await withGateway { gw in
            // webhooks.manage alone: a delivery carries contacts, so contacts.readonly is needed too.
            _ = try await gw.gateway.roleAdministration.create(name: "hooks", scopes: ["webhooks.manage"], by: .operator)
            _ = try await gw.gateway.roleAdministration.create(
                name: "hooks-reader", scopes: ["webhooks.manage", "contacts.readonly"], by: .operator)
            let hooks = try await gw.makeKey(role: "hooks").key
            let limited = try await gw.makeKey(role: "hooks-reader", locations: ["loc-sandbox"]).key
            try await gw.call("GET", "/admin/v1/subscriptions", key: gw.readerKey).expectProblem(403, containing: "webhooks.manage")
            try await gw.call("POST", "/admin/v1/subscriptions", key: hooks, json: Self.create)
                .expectProblem(403, containing: "contacts.readonly")
            let everywhere = #"{"url":"https://tools.example/x","events":["*"]}"#
            try await gw.call("POST", "/admin/v1/subscriptions", key: limited, json: everywhere)
                .expectProblem(403, containing: "for every location")
            #expect(try await gw.call("POST", "/admin/v1/subscriptions", key: limited, json: Self.create).status == 201)
            // The limited key does not see, or delete, a subscription to every location.
            let admins = try await gw.call("POST", "/admin/v1/subscriptions", key: gw.adminKey, json: everywhere).json()
            let adminsId = try #require(admins["id"] as? String)
            let seen = try await gw.call("GET", "/admin/v1/subscriptions", key: limited).json()["subscriptions"] as? [[String: Any]]
            #expect(seen?.count == 1 && seen?.first?["id"] as? String != adminsId)
            try await gw.call("DELETE", "/admin/v1/subscriptions/\(adminsId)", key: limited).expectProblem(403)
        }
    }

    @Test func deliveriesAreListedAndOnlyADeadOneIsSentAgain() async throws {
        try await withGateway { gw in
            let webhooks = gw.gateway.repositories.webhooks
            let subscription = try await gw.call("POST", "/admin/v1/subscriptions", key: gw.adminKey, json: Self.create).json()
            let id = try #require(subscription["id"] as? String)
            let stored = try #require(try await webhooks.subscription(id: id))
            let event = WebhookEventRecord(
                id: "wh-1", type: "ContactCreate", locationId: "loc-sandbox", contactId: "c1", source: .webhook,
                receivedAt: Date(), contactUpdatedAt: Date(), body: Array("{}".utf8))
            let pending = WebhookDelivery.new(of: event, to: stored, at: Date())
            var dead = WebhookDelivery.new(of: event, to: stored, at: Date())
            let once = DeliverySchedule(waits: [.seconds(1)])
            for _ in 0..<2 { dead.progress.record(.noAnswer("connection refused"), at: Date(), schedule: once, jitter: 0) }
            #expect(dead.progress.status == .dead)
            _ = try await webhooks.acceptEvent(event, deliveries: [pending, dead])

            let all = try await gw.call("GET", "/admin/v1/deliveries?subscriptionId=\(id)", key: gw.adminKey)
            #expect(all.status == 200)
            #expect((try all.json()["deliveries"] as? [[String: Any]])?.count == 2)
            let deadOnes = try await gw.call("GET", "/admin/v1/deliveries?status=dead", key: gw.adminKey).json()["deliveries"] as? [[String: Any]]
            #expect(deadOnes?.map { $0["id"] as? String } == [dead.id])
            #expect(deadOnes?.first?["lastError"] as? String == "connection refused")
            try await gw.call("GET", "/admin/v1/deliveries?status=lost", key: gw.adminKey).expectProblem(400, containing: "pending, delivered, dead")
            try await gw.call("GET", "/admin/v1/deliveries?subscriptionId=sub_none", key: gw.adminKey).expectProblem(404)

            try await gw.call("POST", "/admin/v1/deliveries/\(pending.id)/retry", key: gw.adminKey)
                .expectProblem(409, containing: "only a dead one")
            let retried = try await gw.call("POST", "/admin/v1/deliveries/\(dead.id)/retry", key: gw.adminKey)
            #expect(retried.status == 200, "\(retried.text)")
            #expect(try retried.json()["status"] as? String == "pending")
            #expect(try await webhooks.delivery(id: dead.id)?.progress.attempts == 0)
            try await gw.call("POST", "/admin/v1/deliveries/msg_none/retry", key: gw.adminKey).expectProblem(404)
        }
    }

    @Test func theCLIDoesTheSameAndRefusesInOneLine() async throws {
        try await withGateway { gw in
            let created = try await CLI.run(
                ["subscriptions", "create", "--url", "http://127.0.0.1:9999/hook", "--events", "*", "--enrich"],
                database: gw.database)
            #expect(created.status == 0, "\(created.stderr)")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
            let id = try #require(body["id"] as? String)
            #expect((body["secret"] as? String)?.hasPrefix("whsec_") == true && body["events"] as? [String] == ["*"])
            #expect(body["locations"] as? [String] == [] && body["enrich"] as? Bool == true)

            let listed = try await CLI.run(["subscriptions", "list"], database: gw.database)
            #expect(listed.status == 0 && listed.stdout.contains(id) && !listed.stdout.contains("whsec_"))
            let deliveries = try await CLI.run(["deliveries", "list", "--output", "json"], database: gw.database)
            #expect(deliveries.status == 0)
            #expect((try JSONSerialization.jsonObject(with: Data(deliveries.stdout.utf8)) as? [Any])?.isEmpty == true)

            CLI.expectFailure(
                try await CLI.run(["subscriptions", "create", "--url", "gopher://x", "--events", "*"], database: gw.database),
                containing: "only http and https")
            CLI.expectFailure(
                try await CLI.run(["subscriptions", "create", "--url", "https://x.example", "--events", "Nope"], database: gw.database),
                containing: "'Nope' is not one of HighLevel's event types")
            CLI.expectFailure(
                try await CLI.run(["deliveries", "list", "--status", "soon"], database: gw.database), containing: "status:")
            CLI.expectFailure(
                try await CLI.run(["deliveries", "retry", "msg_none"], database: gw.database), containing: "No delivery msg_none")
            CLI.expectFailure(
                try await CLI.run(["subscriptions", "delete", "sub_none"], database: gw.database), containing: "No subscription sub_none")
            let deleted = try await CLI.json(["subscriptions", "delete", id], database: gw.database)
            #expect(deleted["status"] as? String == "deleted")
        }
    }
}
