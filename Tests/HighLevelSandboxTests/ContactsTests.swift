import Foundation
import HTTPTypes
@testable import HighLevelSandbox
import Testing

@Suite("Contacts API")
struct ContactsTests {
    static func pit(_ live: LiveSandbox, _ locationId: String = "loc-sandbox") async throws -> String {
        let reply = try await live.send(.post, "/_sandbox/private-tokens", version: nil, json: #"{"locationId":"\#(locationId)"}"#)
        #expect(reply.status == 201)
        return try #require(reply.json["token"] as? String)
    }

    @Test("contact create, get, update, delete; 422 validation, 400 malformed JSON, 404 unknown")
    func contactCRUD() async throws {
        try await LiveSandbox.run { live in
            let token = try await Self.pit(live)
            let created = try await live.send(
                .post, "/contacts/", token: token,
                json: #"{"locationId":"loc-sandbox","firstName":"Ada","lastName":"Lovelace","email":"Ada@Example.com","tags":["a","a","b"]}"#
            )
            #expect(created.status == 201)
            let contact = try #require(created.json["contact"] as? [String: Any])
            let id = try #require(contact["id"] as? String)
            #expect(id.count == 20)
            #expect(contact["emailLowerCase"] as? String == "ada@example.com")
            #expect(contact["tags"] as? [String] == ["a", "b"])
            #expect(contact["locationId"] as? String == "loc-sandbox")

            let fetched = try await live.send(.get, "/contacts/\(id)", token: token)
            #expect(fetched.status == 200)
            #expect((fetched.json["contact"] as? [String: Any])?["firstName"] as? String == "Ada")

            let updated = try await live.send(.put, "/contacts/\(id)", token: token, json: #"{"lastName":"Byron","tags":["c"]}"#)
            #expect(updated.status == 200)
            #expect(updated.json["succeded"] as? Bool == true)
            let after = try #require(updated.json["contact"] as? [String: Any])
            #expect(after["lastName"] as? String == "Byron")
            #expect(after["tags"] as? [String] == ["c"])
            #expect(after["name"] as? String == "Ada Byron")

            let bad = try await live.send(.post, "/contacts/", token: token, json: #"{"firstName":"x","bogus":1}"#)
            #expect(bad.status == 422)
            let messages = try #require(bad.json["message"] as? [String])
            #expect(messages.contains("property bogus should not exist"))
            #expect(messages.contains("locationId should not be empty"))
            #expect(bad.json["error"] as? String == "Unprocessable Entity")
            #expect(bad.json["traceId"] is String)

            let badUpdate = try await live.send(.put, "/contacts/\(id)", token: token, json: #"{"locationId":"loc-sandbox"}"#)
            #expect(badUpdate.status == 422)

            let malformed = try await live.send(.post, "/contacts/", token: token, json: #"{"locationId":"#)
            #expect(malformed.status == 400)
            #expect(malformed.json["statusCode"] as? Int == 400)

            let deleted = try await live.send(.delete, "/contacts/\(id)", token: token)
            #expect(deleted.json["succeded"] as? Bool == true)
            let gone = try await live.send(.get, "/contacts/\(id)", token: token)
            #expect(gone.status == 404)
            #expect(gone.json["message"] as? String == "Contact not found")
        }
    }

    @Test("tasks: create, list, get, update, complete, delete")
    func tasks() async throws {
        try await LiveSandbox.run { live in
            let token = try await Self.pit(live)
            let id = try await live.createContact(token: token, #""firstName":"Task","email":"task@example.com""#)

            let missing = try await live.send(.post, "/contacts/\(id)/tasks", token: token, json: #"{"title":"x"}"#)
            #expect(missing.status == 422)

            let created = try await live.send(
                .post, "/contacts/\(id)/tasks", token: token,
                json: #"{"title":"Call","body":"ring","dueDate":"2030-10-25T11:00:00Z","completed":false}"#
            )
            #expect(created.status == 201)
            let task = try #require(created.json["task"] as? [String: Any])
            let taskId = try #require(task["id"] as? String)
            #expect(task["contactId"] as? String == id)

            let list = try await live.send(.get, "/contacts/\(id)/tasks", token: token)
            #expect((list.json["tasks"] as? [Any])?.count == 1)

            let updated = try await live.send(.put, "/contacts/\(id)/tasks/\(taskId)", token: token, json: #"{"title":"Call back"}"#)
            #expect((updated.json["task"] as? [String: Any])?["title"] as? String == "Call back")

            let completed = try await live.send(.put, "/contacts/\(id)/tasks/\(taskId)/completed", token: token, json: #"{"completed":true}"#)
            #expect((completed.json["task"] as? [String: Any])?["completed"] as? Bool == true)

            let fetched = try await live.send(.get, "/contacts/\(id)/tasks/\(taskId)", token: token)
            let fetchedTask = try #require(fetched.json["task"] as? [String: Any])
            #expect(fetchedTask["title"] as? String == "Call back")
            #expect(fetchedTask["completed"] as? Bool == true)

            let deleted = try await live.send(.delete, "/contacts/\(id)/tasks/\(taskId)", token: token)
            #expect(deleted.json["succeded"] as? Bool == true)
            #expect(try await live.send(.get, "/contacts/\(id)/tasks/\(taskId)", token: token).status == 404)
            #expect((try await live.send(.get, "/contacts/\(id)/tasks", token: token).json["tasks"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("notes: create, list, get, update, delete")
    func notes() async throws {
        try await LiveSandbox.run { live in
            let token = try await Self.pit(live)
            let id = try await live.createContact(token: token, #""firstName":"Note""#)
            let created = try await live.send(.post, "/contacts/\(id)/notes", token: token, json: #"{"body":"hello","title":"T"}"#)
            #expect(created.status == 201)
            let noteId = try #require((created.json["note"] as? [String: Any])?["id"] as? String)

            let read = try await live.send(.get, "/contacts/\(id)/notes/\(noteId)", token: token)
            #expect((read.json["note"] as? [String: Any])?["body"] as? String == "hello")

            let updated = try await live.send(.put, "/contacts/\(id)/notes/\(noteId)", token: token, json: #"{"body":"bye","pinned":true}"#)
            #expect((updated.json["note"] as? [String: Any])?["pinned"] as? Bool == true)

            let list = try await live.send(.get, "/contacts/\(id)/notes", token: token)
            let notes = try #require(list.json["notes"] as? [[String: Any]])
            #expect(notes.map { $0["body"] as? String } == ["bye"])

            #expect(try await live.send(.delete, "/contacts/\(id)/notes/\(noteId)", token: token).json["succeded"] as? Bool == true)
            #expect(try await live.send(.get, "/contacts/\(id)/notes/\(noteId)", token: token).status == 404)
        }
    }

    @Test("tags (DELETE with body), followers, campaigns, workflow, appointments")
    func contactActivities() async throws {
        try await LiveSandbox.run { live in
            let token = try await Self.pit(live)
            let id = try await live.createContact(token: token, #""firstName":"Act","tags":["old"]"#)

            let added = try await live.send(.post, "/contacts/\(id)/tags", token: token, json: #"{"tags":["x","y"]}"#)
            #expect(added.status == 201)
            #expect(added.json["tags"] as? [String] == ["old", "x", "y"])
            let removed = try await live.send(.delete, "/contacts/\(id)/tags", token: token, json: #"{"tags":["old","y"]}"#)
            #expect(removed.status == 200)
            #expect(removed.json["tags"] as? [String] == ["x"])
            #expect(try await live.send(.delete, "/contacts/\(id)/tags", token: token).status == 422)

            let followers = try await live.send(.post, "/contacts/\(id)/followers", token: token, json: #"{"followers":["u1","u2"]}"#)
            #expect(followers.json["followersAdded"] as? [String] == ["u1", "u2"])
            let unfollow = try await live.send(.delete, "/contacts/\(id)/followers", token: token, json: #"{"followers":["u1","u9"]}"#)
            #expect(unfollow.json["followers"] as? [String] == ["u2"])
            #expect(unfollow.json["followersRemoved"] as? [String] == ["u1"])

            #expect(try await live.send(.post, "/contacts/\(id)/campaigns/c1", token: token, json: "{}").status == 201)
            #expect(try await live.send(.post, "/contacts/\(id)/campaigns/c2", token: token).json["succeded"] as? Bool == true)
            #expect(live.sandbox.enrolments(contactId: id)?.campaigns == ["c1", "c2"])
            #expect(try await live.send(.delete, "/contacts/\(id)/campaigns/c1", token: token).json["succeded"] as? Bool == true)
            #expect(live.sandbox.enrolments(contactId: id)?.campaigns == ["c2"])
            let removeAll = try await live.send(.delete, "/contacts/\(id)/campaigns/removeAll", token: token)
            #expect(removeAll.json["succeded"] as? Bool == true)
            #expect(live.sandbox.enrolments(contactId: id)?.campaigns.isEmpty == true)

            let wf = try await live.send(
                .post, "/contacts/\(id)/workflow/wf1", token: token, json: #"{"eventStartTime":"2021-06-23T03:30:00+01:00"}"#
            )
            #expect(wf.status == 200)
            #expect(live.sandbox.enrolments(contactId: id)?.workflows == ["wf1"])
            let wfOut = try await live.send(
                .delete, "/contacts/\(id)/workflow/wf1", token: token, json: #"{"eventStartTime":"2021-06-23T03:30:00+01:00"}"#
            )
            #expect(wfOut.json["succeded"] as? Bool == true)
            #expect(live.sandbox.enrolments(contactId: id)?.workflows.isEmpty == true)
            #expect(try await live.send(.post, "/contacts/\(id)/workflow/wf1", token: token, json: #"{"eventStartTime":"soon"}"#).status == 422)

            let none = try await live.send(.get, "/contacts/\(id)/appointments", token: token)
            #expect((none.json["events"] as? [Any])?.isEmpty == true)
            let search = try await live.send(.post, "/contacts/search", token: token, json: #"{"locationId":"loc-sandbox","pageLimit":10,"query":"john.deo"}"#)
            let john = try #require((search.json["contacts"] as? [[String: Any]])?.first?["id"] as? String)
            let events = try await live.send(.get, "/contacts/\(john)/appointments", token: token)
            let event = try #require((events.json["events"] as? [[String: Any]])?.first)
            #expect(event["contactId"] as? String == john)
            #expect(event["calendarId"] is String)
        }
    }

    @Test("search, upsert, duplicate, deprecated list, business list, bulk tags, bulk business")
    func listingsAndBulk() async throws {
        try await LiveSandbox.run { live in
            let token = try await Self.pit(live)
            let a = try await live.createContact(token: token, #""firstName":"Zed","email":"zed@example.com","phone":"+1 555 0199""#)
            let b = try await live.createContact(token: token, #""firstName":"Zoe","email":"zoe@example.com""#)

            let search = try await live.send(.post, "/contacts/search", token: token, json: #"{"locationId":"loc-sandbox","pageLimit":1,"query":"z"}"#)
            #expect(search.status == 200)
            #expect(search.json["total"] as? Int == 2)
            let first = try #require((search.json["contacts"] as? [[String: Any]])?.first)
            #expect(first["id"] as? String == a)
            #expect(first["searchAfter"] is [Any])
            let page2 = try await live.send(.post, "/contacts/search", token: token, json: #"{"locationId":"loc-sandbox","pageLimit":1,"page":2,"query":"z"}"#)
            #expect((page2.json["contacts"] as? [[String: Any]])?.first?["id"] as? String == b)
            let all = try await live.send(.post, "/contacts/search", token: token, json: #"{"locationId":"loc-sandbox","pageLimit":100}"#)
            #expect(all.json["total"] as? Int == 5)  // three seeded + two created
            let filtered = try await live.send(
                .post, "/contacts/search", token: token,
                json: #"{"locationId":"loc-sandbox","pageLimit":10,"filters":[{"group":"OR","filters":[{"field":"firstNameLowerCase","operator":"eq","value":"zoe"},{"field":"tags","operator":"eq","value":"vip"}]}],"sort":[{"field":"firstNameLowerCase","direction":"desc"}]}"#
            )
            #expect((filtered.json["contacts"] as? [[String: Any]])?.map { $0["firstName"] as? String } == ["Zoe", "Jane"])
            let badFilter = try await live.send(
                .post, "/contacts/search", token: token,
                json: #"{"locationId":"loc-sandbox","pageLimit":10,"filters":[{"field":"email","operator":"like","value":"x"}]}"#
            )
            #expect(badFilter.status == 422)
            let noLimit = try await live.send(.post, "/contacts/search", token: token, json: #"{"locationId":"loc-sandbox"}"#)
            #expect(noLimit.status == 422)
            #expect(try await live.send(.post, "/contacts/search", token: token, json: #"{"pageLimit":5}"#).status == 422)

            let upsertExisting = try await live.send(
                .post, "/contacts/upsert", token: token, json: #"{"locationId":"loc-sandbox","email":"ZED@example.com","city":"Oslo"}"#
            )
            #expect(upsertExisting.status == 200)
            #expect(upsertExisting.json["new"] as? Bool == false)
            #expect((upsertExisting.json["contact"] as? [String: Any])?["id"] as? String == a)
            #expect(upsertExisting.json["traceId"] is String)
            #expect((try await live.send(.get, "/contacts/\(a)", token: token).json["contact"] as? [String: Any])?["city"] as? String == "Oslo")
            let upsertNew = try await live.send(.post, "/contacts/upsert", token: token, json: #"{"locationId":"loc-sandbox","email":"new@example.com"}"#)
            #expect(upsertNew.json["new"] as? Bool == true)

            let dupByPhone = try await live.send(.get, "/contacts/search/duplicate?locationId=loc-sandbox&number=%2B15550199", token: token)
            #expect((dupByPhone.json["contact"] as? [String: Any])?["id"] as? String == a)
            let noDup = try await live.send(.get, "/contacts/search/duplicate?locationId=loc-sandbox&email=none%40example.com", token: token)
            #expect(noDup.status == 200)
            #expect(noDup.json["contact"] is NSNull)

            let listed = try await live.send(.get, "/contacts/?locationId=loc-sandbox&limit=4", token: token)
            #expect(listed.status == 200)
            #expect((listed.json["contacts"] as? [Any])?.count == 4)
            #expect(listed.json["count"] as? Int == 6)
            let cursor = try #require((listed.json["meta"] as? [String: Any])?["startAfterId"] as? String)
            let rest = try await live.send(.get, "/contacts/?locationId=loc-sandbox&limit=4&startAfterId=\(cursor)", token: token)
            #expect((rest.json["contacts"] as? [Any])?.count == 2)
            #expect(try await live.send(.get, "/contacts/", token: token).status == 422)

            let bulkBiz = try await live.send(
                .post, "/contacts/bulk/business", token: token,
                json: #"{"locationId":"loc-sandbox","ids":["\#(a)","\#(b)","missing"],"businessId":"biz-1"}"#
            )
            #expect(bulkBiz.status == 200)
            #expect(bulkBiz.json["success"] as? Bool == true)
            #expect(bulkBiz.json["ids"] as? [String] == [a, b])
            let business = try await live.send(.get, "/contacts/business/biz-1?locationId=loc-sandbox", token: token)
            #expect(business.json["count"] as? Int == 2)
            let detach = try await live.send(
                .post, "/contacts/bulk/business", token: token, json: #"{"locationId":"loc-sandbox","ids":["\#(b)"],"businessId":null}"#
            )
            #expect(detach.json["ids"] as? [String] == [b])
            #expect((try await live.send(.get, "/contacts/business/biz-1?locationId=loc-sandbox", token: token).json["contacts"] as? [Any])?.count == 1)

            let bulkAdd = try await live.send(
                .post, "/contacts/bulk/tags/update/add", token: token,
                json: #"{"locationId":"loc-sandbox","contacts":["\#(a)","\#(b)","missing"],"tags":["t1"]}"#
            )
            #expect(bulkAdd.status == 201)
            #expect(bulkAdd.json["errorCount"] as? Int == 1)
            #expect((bulkAdd.json["responses"] as? [Any])?.count == 3)
            let bulkRemove = try await live.send(
                .post, "/contacts/bulk/tags/update/remove", token: token,
                json: #"{"locationId":"loc-sandbox","contacts":["\#(a)"],"tags":["t1"]}"#
            )
            #expect(bulkRemove.json["succeded"] as? Bool == true)
            let tagsA = (try await live.send(.get, "/contacts/\(a)", token: token).json["contact"] as? [String: Any])?["tags"] as? [String]
            let tagsB = (try await live.send(.get, "/contacts/\(b)", token: token).json["contact"] as? [String: Any])?["tags"] as? [String]
            #expect(tagsA == [])
            #expect(tagsB == ["t1"])
            #expect(try await live.send(.post, "/contacts/bulk/tags/update/toggle", token: token, json: "{}").status == 422)
        }
    }
}
