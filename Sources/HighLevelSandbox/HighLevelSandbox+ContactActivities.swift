import Foundation
import Synchronization

/// Everything attached to one contact: tasks, notes, tags, followers, campaigns, workflows, appointments.
/// Each handler resolves the contact first, so an unknown contact is 404 and a foreign one 403.
extension HighLevelSandbox {
    private static let taskRules = BodyRules(
        ["title": .string, "body": .string, "dueDate": .isoDate, "completed": .bool, "assignedTo": .string],
        required: ["title", "dueDate", "completed"]
    )
    private static let noteRules = BodyRules(
        ["userId": .string, "body": .string, "title": .string, "color": .string, "pinned": .bool],
        required: ["body"]
    )

    private func withContact<R: Sendable>(
        _ call: SandboxCall, _ body: (inout StoredContact) throws(SandboxFailure) -> R
    ) throws -> R {
        try state.withLock { s throws(SandboxFailure) -> R in
            try s.contacts.update(call.parameter("contactId"), locationId: call.locationId, body)
        }
    }

    private static func index(of id: String, in items: [[String: JSONValue]], notFound: String) throws(SandboxFailure) -> Int {
        guard let i = items.firstIndex(where: { $0["id"]?.stringValue == id }) else { throw .notFound(notFound) }
        return i
    }

    // MARK: Tasks (`TaskSchema`)

    func listTasks(_ call: SandboxCall) throws -> SandboxOutcome {
        let tasks = try withContact(call) { c throws(SandboxFailure) in c.tasks }
        return .json(200, ["tasks": .array(tasks.map(JSONValue.object))])
    }

    func createTask(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        try Self.taskRules.validate(body)
        let task = try withContact(call) { c throws(SandboxFailure) -> [String: JSONValue] in
            var task = body.filter { $0.value != .null }
            task["id"] = .string(RandomID.highLevelID())
            task["contactId"] = .string(c.id)
            c.tasks.append(task)
            return task
        }
        sendActivityEvent("TaskCreate", task, locationId: call.locationId)
        return .json(201, ["task": .object(task)])
    }

    func getTask(_ call: SandboxCall) throws -> SandboxOutcome {
        let task = try withContact(call) { c throws(SandboxFailure) in
            c.tasks[try Self.index(of: call.parameter("taskId"), in: c.tasks, notFound: "Task")]
        }
        return .json(200, ["task": .object(task)])
    }

    func updateTask(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        // `UpdateTaskBody`: the create fields, none required.
        try BodyRules(Self.taskRules.fields).validate(body)
        let (wasCompleted, task) = try withContact(call) { c throws(SandboxFailure) in
            let i = try Self.index(of: call.parameter("taskId"), in: c.tasks, notFound: "Task")
            let wasCompleted = c.tasks[i]["completed"] == true
            for (key, value) in body { c.tasks[i][key] = value == .null ? nil : value }
            return (wasCompleted, c.tasks[i])
        }
        if !wasCompleted, task["completed"] == true { sendActivityEvent("TaskComplete", task, locationId: call.locationId) }
        return .json(200, ["task": .object(task)])
    }

    func completeTask(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        try BodyRules(["completed": .bool], required: ["completed"]).validate(body)
        let (wasCompleted, task) = try withContact(call) { c throws(SandboxFailure) in
            let i = try Self.index(of: call.parameter("taskId"), in: c.tasks, notFound: "Task")
            let wasCompleted = c.tasks[i]["completed"] == true
            c.tasks[i]["completed"] = body["completed"]
            return (wasCompleted, c.tasks[i])
        }
        if !wasCompleted, task["completed"] == true { sendActivityEvent("TaskComplete", task, locationId: call.locationId) }
        return .json(200, ["task": .object(task)])
    }

    func deleteTask(_ call: SandboxCall) throws -> SandboxOutcome {
        let task = try withContact(call) { c throws(SandboxFailure) in
            c.tasks.remove(at: try Self.index(of: call.parameter("taskId"), in: c.tasks, notFound: "Task"))
        }
        sendActivityEvent("TaskDelete", task, locationId: call.locationId)
        return .json(200, ["succeded": true])
    }

    // MARK: Notes (`GetNoteSchema`)

    func listNotes(_ call: SandboxCall) throws -> SandboxOutcome {
        let notes = try withContact(call) { c throws(SandboxFailure) in c.notes }
        return .json(200, ["notes": .array(notes.map(JSONValue.object))])
    }

    func createNote(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        try Self.noteRules.validate(body)
        let note = try withContact(call) { c throws(SandboxFailure) -> [String: JSONValue] in
            var note = body.filter { $0.value != .null }
            note["id"] = .string(RandomID.highLevelID())
            note["contactId"] = .string(c.id)
            note["dateAdded"] = .string(ISODate.string(Date()))
            if note["pinned"] == nil { note["pinned"] = false }
            c.notes.append(note)
            return note
        }
        sendActivityEvent("NoteCreate", note, locationId: call.locationId)
        return .json(201, ["note": .object(note)])
    }

    func getNote(_ call: SandboxCall) throws -> SandboxOutcome {
        let note = try withContact(call) { c throws(SandboxFailure) in
            c.notes[try Self.index(of: call.parameter("id"), in: c.notes, notFound: "Note")]
        }
        return .json(200, ["note": .object(note)])
    }

    func updateNote(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        // `UpdateNoteDTO`: the create fields, none required.
        try BodyRules(Self.noteRules.fields).validate(body)
        let note = try withContact(call) { c throws(SandboxFailure) in
            let i = try Self.index(of: call.parameter("id"), in: c.notes, notFound: "Note")
            for (key, value) in body { c.notes[i][key] = value == .null ? nil : value }
            return c.notes[i]
        }
        sendActivityEvent("NoteUpdate", note, locationId: call.locationId)
        return .json(200, ["note": .object(note)])
    }

    func deleteNote(_ call: SandboxCall) throws -> SandboxOutcome {
        let note = try withContact(call) { c throws(SandboxFailure) in
            c.notes.remove(at: try Self.index(of: call.parameter("id"), in: c.notes, notFound: "Note"))
        }
        sendActivityEvent("NoteDelete", note, locationId: call.locationId)
        return .json(200, ["succeded": true])
    }

    // MARK: Tags (`TagsDTO`); both answers carry the contact's tags after the change.

    func addTags(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        try BodyRules(["tags": .stringArray], required: ["tags"]).validate(body)
        let (old, contact) = try withContact(call) { c throws(SandboxFailure) in
            let old = c.tags
            c.tags = StoredContact.normalisedTags(c.tags + (body["tags"]?.stringArray ?? []))
            c.dateUpdated = Date()
            return (old, c)
        }
        if old != contact.tags { sendContactEvent("ContactTagUpdate", contact) }
        return .json(201, ["tags": .strings(contact.tags)])
    }

    func removeTags(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        try BodyRules(["tags": .stringArray], required: ["tags"]).validate(body)
        let remove = Set(body["tags"]?.stringArray ?? [])
        let (old, contact) = try withContact(call) { c throws(SandboxFailure) in
            let old = c.tags
            c.tags = c.tags.filter { !remove.contains($0) }
            c.dateUpdated = Date()
            return (old, c)
        }
        if old != contact.tags { sendContactEvent("ContactTagUpdate", contact) }
        return .json(200, ["tags": .strings(contact.tags)])
    }

    // MARK: Followers (`FollowersDTO`)

    func addFollowers(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        try BodyRules(["followers": .stringArray], required: ["followers"]).validate(body)
        let (all, added) = try withContact(call) { c throws(SandboxFailure) in
            let added = StoredContact.normalisedTags(body["followers"]?.stringArray ?? []).filter { !c.followers.contains($0) }
            c.followers += added
            return (c.followers, added)
        }
        return .json(201, ["followers": .strings(all), "followersAdded": .strings(added)])
    }

    func removeFollowers(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        try BodyRules(["followers": .stringArray], required: ["followers"]).validate(body)
        let wanted = Set(body["followers"]?.stringArray ?? [])
        let (all, removed) = try withContact(call) { c throws(SandboxFailure) in
            let removed = c.followers.filter { wanted.contains($0) }
            c.followers = c.followers.filter { !wanted.contains($0) }
            return (c.followers, removed)
        }
        return .json(200, ["followers": .strings(all), "followersRemoved": .strings(removed)])
    }

    // MARK: Campaigns and workflows (`{succeded: true}`)

    func addToCampaign(_ call: SandboxCall) throws -> SandboxOutcome {
        // `AddContactToCampaignDto` has no properties; anything sent is rejected like any unknown property.
        try BodyRules([:]).validate(try call.jsonObject())
        let campaignId = call.parameter("campaignId")
        try withContact(call) { c throws(SandboxFailure) in _ = c.campaigns.insert(campaignId) }
        return .json(201, ["succeded": true])
    }

    func removeFromCampaign(_ call: SandboxCall) throws -> SandboxOutcome {
        let campaignId = call.parameter("campaignId")
        try withContact(call) { c throws(SandboxFailure) in _ = c.campaigns.remove(campaignId) }
        return .json(200, ["succeded": true])
    }

    func removeFromAllCampaigns(_ call: SandboxCall) throws -> SandboxOutcome {
        try withContact(call) { c throws(SandboxFailure) in c.campaigns.removeAll() }
        return .json(200, ["succeded": true])
    }

    func addToWorkflow(_ call: SandboxCall) throws -> SandboxOutcome {
        try BodyRules(["eventStartTime": .isoDate]).validate(try call.jsonObject())
        let workflowId = call.parameter("workflowId")
        try withContact(call) { c throws(SandboxFailure) in _ = c.workflows.insert(workflowId) }
        return .json(200, ["succeded": true])
    }

    func removeFromWorkflow(_ call: SandboxCall) throws -> SandboxOutcome {
        try BodyRules(["eventStartTime": .isoDate]).validate(try call.jsonObject())
        let workflowId = call.parameter("workflowId")
        try withContact(call) { c throws(SandboxFailure) in _ = c.workflows.remove(workflowId) }
        return .json(200, ["succeded": true])
    }

    // MARK: Appointments (`GetEventsSuccessfulResponseDto`)

    /// Campaign and workflow enrolments are not readable through the Contacts API; tests read them here.
    func enrolments(contactId: String) -> (campaigns: Set<String>, workflows: Set<String>)? {
        state.withLock { s in s.contacts.contacts[contactId].map { ($0.campaigns, $0.workflows) } }
    }

    func appointments(_ call: SandboxCall) throws -> SandboxOutcome {
        let events = try withContact(call) { c throws(SandboxFailure) in c.appointments }
        return .json(200, ["events": .array(events)])
    }
}
