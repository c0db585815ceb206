import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

/// All 32 operations through the gateway to the sandbox over HTTP, with their bodies and answers intact.
@Suite struct ProxyOperationsTests {
    @Test func all32OperationsAreProxiedWithBodiesAndAnswersIntact() async throws {
        try await withGateway { gw in
            var exercised: Set<String> = []
            func call(_ id: String, _ method: String, _ path: String, json: String? = nil, expect status: Int = 200)
                async throws -> [String: Any]
            {
                let response = try await gw.call(method, path, json: json)
                #expect(response.status == status, "\(id) \(method) \(path): \(response.status) \(response.text)")
                #expect(response.header("Content-Type")?.hasPrefix("application/json") == true, "\(id) content type")
                #expect(response.header("X-Request-Id") != nil)
                if case .matched(let operation, _) = RouteTable.contacts.match(method: method, rawPath: path.split(separator: "?").first.map(String.init) ?? path) {
                    #expect(operation.id == id)
                    exercised.insert(operation.id)
                }
                return try response.json()
            }
            let loc = TestGateway.location

            // Contacts.
            let created = try await call("create-contact", "POST", "/contacts/", json: """
                {"locationId":"\(loc)","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","phone":"+15550001111","tags":["vip"]}
                """, expect: 201)
            let contact = try #require(created["contact"] as? [String: Any])
            let contactId = try #require(contact["id"] as? String)
            #expect(contact["firstName"] as? String == "Ada")
            let fetched = try await call("get-contact", "GET", "/contacts/\(contactId)")
            #expect((fetched["contact"] as? [String: Any])?["email"] as? String == "ada@example.com")
            let updated = try await call("update-contact", "PUT", "/contacts/\(contactId)", json: #"{"lastName":"King"}"#)
            #expect(updated["succeded"] as? Bool == true)
            #expect((updated["contact"] as? [String: Any])?["lastName"] as? String == "King")
            let upserted = try await call("upsert-contact", "POST", "/contacts/upsert", json: """
                {"locationId":"\(loc)","email":"ada@example.com","city":"London"}
                """, expect: 200)
            #expect(upserted["new"] as? Bool == false)
            let duplicate = try await call("get-duplicate-contact", "GET", "/contacts/search/duplicate?locationId=\(loc)&email=ada%40example.com")
            #expect((duplicate["contact"] as? [String: Any])?["id"] as? String == contactId)
            let searched = try await call("search-contacts-advanced", "POST", "/contacts/search", json: """
                {"locationId":"\(loc)","pageLimit":10,"query":"Ada"}
                """)
            #expect(((searched["contacts"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == contactId })
            let listed = try await call("get-contacts", "GET", "/contacts/?locationId=\(loc)&limit=50")
            #expect(((listed["contacts"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == contactId })

            // Tasks.
            let task = try await call("create-task", "POST", "/contacts/\(contactId)/tasks", json: """
                {"title":"Call back","body":"About the invoice","dueDate":"2026-12-01T10:00:00.000Z","completed":false}
                """, expect: 201)
            let taskId = try #require((task["task"] as? [String: Any])?["id"] as? String)
            let tasks = try await call("get-all-tasks", "GET", "/contacts/\(contactId)/tasks")
            #expect(((tasks["tasks"] as? [[String: Any]]) ?? []).count == 1)
            let oneTask = try await call("get-task", "GET", "/contacts/\(contactId)/tasks/\(taskId)")
            #expect((oneTask["task"] as? [String: Any])?["title"] as? String == "Call back")
            let changedTask = try await call("update-task", "PUT", "/contacts/\(contactId)/tasks/\(taskId)", json: #"{"title":"Call back today"}"#)
            #expect((changedTask["task"] as? [String: Any])?["title"] as? String == "Call back today")
            let completed = try await call("update-task-completed", "PUT", "/contacts/\(contactId)/tasks/\(taskId)/completed", json: #"{"completed":true}"#)
            #expect((completed["task"] as? [String: Any])?["completed"] as? Bool == true)
            _ = try await call("delete-task", "DELETE", "/contacts/\(contactId)/tasks/\(taskId)")
            let afterDelete = try await gw.call("GET", "/contacts/\(contactId)/tasks/\(taskId)")
            #expect(afterDelete.status == 404)

            // Notes.
            let note = try await call("create-note", "POST", "/contacts/\(contactId)/notes", json: #"{"body":"Met at the fair"}"#, expect: 201)
            let noteId = try #require((note["note"] as? [String: Any])?["id"] as? String)
            let notes = try await call("get-all-notes", "GET", "/contacts/\(contactId)/notes")
            #expect(((notes["notes"] as? [[String: Any]]) ?? []).contains { $0["body"] as? String == "Met at the fair" })
            _ = try await call("get-note", "GET", "/contacts/\(contactId)/notes/\(noteId)")
            let changedNote = try await call("update-note", "PUT", "/contacts/\(contactId)/notes/\(noteId)", json: #"{"body":"Met at the spring fair"}"#)
            #expect((changedNote["note"] as? [String: Any])?["body"] as? String == "Met at the spring fair")
            _ = try await call("delete-note", "DELETE", "/contacts/\(contactId)/notes/\(noteId)")

            // Tags: removal is a DELETE with a JSON body.
            let tagged = try await call("add-tags", "POST", "/contacts/\(contactId)/tags", json: #"{"tags":["lead","q4"]}"#, expect: 201)
            #expect(Set((tagged["tags"] as? [String]) ?? []).isSuperset(of: ["lead", "q4"]))
            let untagged = try await call("remove-tags", "DELETE", "/contacts/\(contactId)/tags", json: #"{"tags":["q4"]}"#)
            #expect(!((untagged["tags"] as? [String]) ?? ["q4"]).contains("q4"))

            // Followers: removal is a DELETE with a JSON body.
            let followed = try await call("add-followers-contact", "POST", "/contacts/\(contactId)/followers", json: #"{"followers":["user-1","user-2"]}"#, expect: 201)
            #expect(((followed["followersAdded"] as? [String]) ?? []).count == 2)
            let unfollowed = try await call("remove-followers-contact", "DELETE", "/contacts/\(contactId)/followers", json: #"{"followers":["user-1"]}"#)
            #expect((unfollowed["followersRemoved"] as? [String]) == ["user-1"])

            // Campaigns and workflows.
            let inCampaign = try await call("add-contact-to-campaign", "POST", "/contacts/\(contactId)/campaigns/camp-1", json: "{}", expect: 201)
            #expect(inCampaign["succeded"] as? Bool == true)
            _ = try await call("remove-contact-from-campaign", "DELETE", "/contacts/\(contactId)/campaigns/camp-1")
            _ = try await call("remove-contact-from-every-campaign", "DELETE", "/contacts/\(contactId)/campaigns/removeAll")
            _ = try await call("add-contact-to-workflow", "POST", "/contacts/\(contactId)/workflow/wf-1", json: #"{"eventStartTime":"2026-12-01T10:00:00+01:00"}"#)
            _ = try await call("delete-contact-from-workflow", "DELETE", "/contacts/\(contactId)/workflow/wf-1", json: #"{"eventStartTime":"2026-12-01T10:00:00+01:00"}"#)

            // Appointments, businesses, bulk.
            let appointments = try await call("get-appointments-for-contact", "GET", "/contacts/\(contactId)/appointments")
            #expect(appointments["events"] is [Any])
            let business = try await call("add-remove-contact-from-business", "POST", "/contacts/bulk/business", json: """
                {"locationId":"\(loc)","ids":["\(contactId)"],"businessId":"biz-1"}
                """)
            #expect(business["success"] as? Bool == true)
            let inBusiness = try await call("get-contacts-by-businessId", "GET", "/contacts/business/biz-1?locationId=\(loc)")
            #expect(((inBusiness["contacts"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == contactId })
            let bulkTags = try await call("create-association", "POST", "/contacts/bulk/tags/update/add", json: """
                {"locationId":"\(loc)","contacts":["\(contactId)"],"tags":["bulk"]}
                """, expect: 201)
            #expect(bulkTags["succeded"] as? Bool == true)

            _ = try await call("delete-contact", "DELETE", "/contacts/\(contactId)")
            let gone = try await gw.call("GET", "/contacts/\(contactId)")
            #expect(gone.status == 404)
            #expect(exercised.count == 32, "not exercised: \(Set(RouteTable.contacts.operations.map(\.id)).subtracting(exercised))")
        }
    }

    @Test func answersAreByteForByteWhatHighLevelSent() async throws {
        try await withGateway { gw in
            let token = try await gw.storedConnection().accessToken
            let path = "/contacts/?locationId=\(TestGateway.location)&limit=5"
            let direct = try await gw.client.execute(
                CurlRequest(method: "GET", url: gw.sandboxURL + path,
                            headers: [("Authorization", "Bearer \(token)"), ("Version", "2021-07-28")]))
            let proxied = try await gw.call("GET", path)
            #expect(proxied.status == direct.status)
            #expect(proxied.header("Content-Type") == direct.header("Content-Type"))
            // traceId differs per response; everything else is the same bytes.
            func withoutTrace(_ response: CurlResponse) throws -> NSDictionary {
                var object = try response.json()
                object["traceId"] = nil
                return object as NSDictionary
            }
            #expect(try withoutTrace(proxied) == withoutTrace(direct))
        }
    }

    @Test func upstreamErrorsComeBackAsTheyAre() async throws {
        try await withGateway { gw in
            let missing = try await gw.call("GET", "/contacts/nosuchcontact")
            #expect(missing.status == 404)
            #expect(missing.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect((try missing.json()["statusCode"] as? Int) == 404)
            let invalid = try await gw.call("POST", "/contacts/\("c1")/tasks", json: #"{"body":"no title"}"#)
            #expect([404, 422].contains(invalid.status))
        }
    }
}
