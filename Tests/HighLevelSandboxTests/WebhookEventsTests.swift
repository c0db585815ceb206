import Crypto
import Foundation
import HTTPTypes
import HighLevelSandbox
import Synchronization
import Testing

/// The sandbox sends HighLevel's webhook events for the changes made through it, signed as HighLevel signs them
/// (`X-GHL-Signature`: Ed25519 over the raw body), to a real receiver on a loopback socket.
@Suite("Webhook events")
struct WebhookEventsTests {
    static func verifies(_ request: WebhookReceiver.Received, with publicKey: String) throws -> Bool {
        let raw = try #require(Data(base64Encoded: publicKey))
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        let signature = try #require(Data(base64Encoded: request.headers["x-ghl-signature"] ?? ""))
        return key.isValidSignature(signature, for: Data(request.body))
    }

    /// Polls the sandbox's counters until `done` holds (or 15 s pass), and returns them.
    static func webhookStats(
        _ sandbox: HighLevelSandbox, until done: (SandboxWebhookStats) -> Bool
    ) async throws -> SandboxWebhookStats {
        let deadline = ContinuousClock.now + .seconds(15)
        while !done(sandbox.stats().webhooks), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return sandbox.stats().webhooks
    }

    @Test("POST /contacts/ sends a ContactCreate that verifies with the sandbox's public key")
    func contactCreateIsSigned() async throws {
        try await WebhookReceiver.run { receiver, url in
            try await LiveSandbox.run(configure: { $0.webhookURL = url; $0.seedContacts = false }) { live in
                let token = try await ContactsTests.pit(live)
                let before = Date()
                let id = try await live.createContact(token: token, #""firstName":"Ada","email":"ada@example.com""#)
                let request = try #require(try await receiver.waitFor(1).first)

                let published = try await live.send(.get, "/_sandbox/webhook-public-key", version: nil)
                #expect(published.status == 200)
                let publicKey = try #require(published.json["publicKey"] as? String)
                #expect(publicKey == live.sandbox.webhookPublicKey)
                #expect(Data(base64Encoded: publicKey)?.count == 32)
                #expect(published.json["webhookUrl"] as? String == url)
                #expect(try Self.verifies(request, with: publicKey), "X-GHL-Signature does not verify")
                #expect(request.headers["content-type"] == "application/json")

                let event = request.json
                #expect(event["type"] as? String == "ContactCreate")
                #expect(event["locationId"] as? String == "loc-sandbox")
                #expect(event["id"] as? String == id)
                #expect(event["firstName"] as? String == "Ada")
                #expect(event["email"] as? String == "ada@example.com")
                #expect(event["dateUpdated"] is String)
                #expect((event["webhookId"] as? String)?.isEmpty == false)
                let timestamp = try #require(event["timestamp"] as? String)
                let sent = try #require(try? Date(timestamp, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
                #expect(sent >= before.addingTimeInterval(-1) && sent <= Date().addingTimeInterval(1), "\(timestamp)")

                // A signature over other bytes does not verify: the key signs exactly the body sent.
                var tampered = request.body
                tampered[tampered.count - 2] ^= 0x01
                #expect(!(try Self.verifies(.init(headers: request.headers, body: tampered), with: publicKey)))

                let stats = try await Self.webhookStats(live.sandbox) { $0.delivered == 1 }
                #expect(stats == SandboxWebhookStats(queued: 1, delivered: 1))
            }
        }
    }

    @Test("each change sends its event type, each with its own webhookId, in order")
    func everyChangeSendsItsEvent() async throws {
        try await WebhookReceiver.run { receiver, url in
            try await LiveSandbox.run(configure: { $0.webhookURL = url; $0.seedContacts = false }) { live in
                let token = try await ContactsTests.pit(live)
                let id = try await live.createContact(token: token, #""firstName":"Ada","tags":["a"]"#)
                func ok(_ method: HTTPRequest.Method, _ path: String, _ json: String? = nil) async throws -> [String: Any] {
                    let reply = try await live.send(method, path, token: token, json: json)
                    #expect((200..<300).contains(reply.status), "\(method) \(path): \(reply.text)")
                    return reply.json
                }
                _ = try await ok(.put, "/contacts/\(id)", #"{"lastName":"Byron"}"#)
                _ = try await ok(.put, "/contacts/\(id)", #"{"tags":["b"],"dnd":true}"#)
                _ = try await ok(.post, "/contacts/\(id)/tags", #"{"tags":["c"]}"#)
                _ = try await ok(.post, "/contacts/\(id)/tags", #"{"tags":["c"]}"#)  // no change: no event
                _ = try await ok(.delete, "/contacts/\(id)/tags", #"{"tags":["b"]}"#)
                let note = try await ok(.post, "/contacts/\(id)/notes", #"{"body":"first"}"#)
                let noteId = try #require((note["note"] as? [String: Any])?["id"] as? String)
                _ = try await ok(.put, "/contacts/\(id)/notes/\(noteId)", #"{"body":"second"}"#)
                _ = try await ok(.delete, "/contacts/\(id)/notes/\(noteId)")
                let task = try await ok(
                    .post, "/contacts/\(id)/tasks", #"{"title":"Call","dueDate":"2030-01-01T00:00:00Z","completed":false}"#)
                let taskId = try #require((task["task"] as? [String: Any])?["id"] as? String)
                _ = try await ok(.put, "/contacts/\(id)/tasks/\(taskId)", #"{"title":"Call back"}"#)  // HighLevel has no TaskUpdate
                _ = try await ok(.put, "/contacts/\(id)/tasks/\(taskId)/completed", #"{"completed":true}"#)
                _ = try await ok(.put, "/contacts/\(id)/tasks/\(taskId)/completed", #"{"completed":true}"#)  // already
                _ = try await ok(.delete, "/contacts/\(id)/tasks/\(taskId)")
                _ = try await ok(.delete, "/contacts/\(id)")
                // Refused changes send nothing.
                let refused = try await live.send(.put, "/contacts/\(id)", token: token, json: #"{"lastName":"x"}"#)
                #expect(refused.status == 404)

                let expected = [
                    "ContactCreate", "ContactUpdate", "ContactUpdate", "ContactTagUpdate", "ContactDndUpdate",
                    "ContactTagUpdate", "ContactTagUpdate", "NoteCreate", "NoteUpdate", "NoteDelete", "TaskCreate",
                    "TaskComplete", "TaskDelete", "ContactDelete",
                ]
                let requests = try await receiver.waitFor(expected.count)
                try await Task.sleep(for: .milliseconds(300))  // nothing more comes
                let events = receiver.requests.map(\.json)
                #expect(events.map { $0["type"] as? String ?? "?" } == expected)
                #expect(Set(events.compactMap { $0["webhookId"] as? String }).count == expected.count)
                for request in requests {
                    #expect(try Self.verifies(request, with: live.sandbox.webhookPublicKey))
                }
                // Note and task events name their contact; contact events are the contact.
                #expect(events[7]["contactId"] as? String == id && events[7]["id"] as? String == noteId)
                #expect(events[8]["body"] as? String == "second")
                #expect(events[11]["contactId"] as? String == id && events[11]["id"] as? String == taskId)
                #expect(events[11]["title"] as? String == "Call back")
                #expect(events[5]["tags"] as? [String] == ["b", "c"])
                #expect(events[13]["id"] as? String == id && events[13]["lastName"] as? String == "Byron")
            }
        }
    }

    @Test("a receiver that is down, or holds its answer, neither fails nor delays the API call")
    func receiverDownOrSlow() async throws {
        // Port 9 (discard) has no listener here: the connection is refused.
        try await LiveSandbox.run(configure: { $0.webhookURL = "http://127.0.0.1:9/hook" }) { live in
            let token = try await ContactsTests.pit(live)
            let reply = try await live.send(.post, "/contacts/", token: token, json: #"{"locationId":"loc-sandbox","firstName":"A"}"#)
            #expect(reply.status == 201)
            let stats = try await Self.webhookStats(live.sandbox) { $0.undelivered == 1 }
            #expect(stats == SandboxWebhookStats(queued: 1, undelivered: 1))
            // The sandbox goes on serving, and sending.
            #expect(try await live.send(.get, "/contacts/search/duplicate?locationId=loc-sandbox&email=x@y.z", token: token).status == 200)
        }
        try await WebhookReceiver.run { receiver, url in
            receiver.held.withLock { $0 = true }
            try await LiveSandbox.run(configure: { $0.webhookURL = url }) { live in
                let token = try await ContactsTests.pit(live)
                // Both answered while the receiver still holds the first event's answer.
                _ = try await live.createContact(token: token, #""firstName":"A""#)
                _ = try await receiver.waitFor(1)
                _ = try await live.createContact(token: token, #""firstName":"B""#)
                #expect(live.sandbox.stats().webhooks.delivered == 0)
                receiver.held.withLock { $0 = false }
                let stats = try await Self.webhookStats(live.sandbox) { $0.delivered == 2 }
                #expect(stats.delivered == 2)
            }
        }
    }

    @Test("429 is sent again, the same bytes and signature; other failures and spent retries are final")
    func only429IsRetried() async throws {
        try await WebhookReceiver.run(answers: [.tooManyRequests, .tooManyRequests, .noContent]) { receiver, url in
            try await LiveSandbox.run(configure: {
                $0.webhookURL = url
                $0.webhookRetryDelays = [.milliseconds(50), .milliseconds(50), .milliseconds(50)]
            }) { live in
                let token = try await ContactsTests.pit(live)
                _ = try await live.createContact(token: token, #""firstName":"A""#)
                let stats = try await Self.webhookStats(live.sandbox) { $0.delivered == 1 }
                #expect(stats == SandboxWebhookStats(queued: 1, delivered: 1, retried: 2))
                let requests = receiver.requests
                #expect(requests.count == 3)
                #expect(Set(requests.map(\.body)).count == 1)
                #expect(Set(requests.map { $0.headers["x-ghl-signature"] ?? "" }).count == 1)
            }
        }
        try await WebhookReceiver.run(answers: [.internalServerError]) { receiver, url in
            try await LiveSandbox.run(configure: {
                $0.webhookURL = url
                $0.webhookRetryDelays = [.milliseconds(20)]
            }) { live in
                let token = try await ContactsTests.pit(live)
                _ = try await live.createContact(token: token, #""firstName":"A""#)
                let stats = try await Self.webhookStats(live.sandbox) { $0.undelivered == 1 }
                try await Task.sleep(for: .milliseconds(200))
                #expect(stats == SandboxWebhookStats(queued: 1, undelivered: 1))
                #expect(receiver.requests.count == 1, "a 500 was sent again")
            }
        }
        try await WebhookReceiver.run(answers: [.tooManyRequests]) { receiver, url in
            try await LiveSandbox.run(configure: {
                $0.webhookURL = url
                $0.webhookRetryDelays = [.milliseconds(20), .milliseconds(20)]
            }) { live in
                let token = try await ContactsTests.pit(live)
                _ = try await live.createContact(token: token, #""firstName":"A""#)
                let stats = try await Self.webhookStats(live.sandbox) { $0.undelivered == 1 }
                #expect(stats == SandboxWebhookStats(queued: 1, retried: 2, undelivered: 1))
                #expect(receiver.requests.count == 3)
            }
        }
    }

    @Test("without a webhook URL nothing is sent; one set on a running sandbox takes effect")
    func urlSetLater() async throws {
        try await WebhookReceiver.run { receiver, url in
            try await LiveSandbox.run { live in
                let token = try await ContactsTests.pit(live)
                _ = try await live.createContact(token: token, #""firstName":"A""#)
                let published = try await live.send(.get, "/_sandbox/webhook-public-key", version: nil)
                #expect(published.json["webhookUrl"] is NSNull)
                #expect(live.sandbox.stats().webhooks == SandboxWebhookStats())
                live.sandbox.setWebhookURL(url)
                let id = try await live.createContact(token: token, #""firstName":"B""#)
                let request = try #require(try await receiver.waitFor(1).first)
                #expect(request.json["id"] as? String == id)
                #expect(receiver.requests.count == 1)
            }
        }
    }
}
