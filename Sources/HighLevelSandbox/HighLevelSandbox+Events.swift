import Foundation

/// HighLevel's webhook events for the changes made through the API (highlevel-api.md §6.2): the entity's fields at
/// the top level (no envelope), with `type`, `locationId`, a `webhookId` of its own and `timestamp` (now). Made
/// only once a change is kept, and only when a webhook URL is set.
///
/// Task updates other than completion send nothing: HighLevel has `TaskCreate`, `TaskComplete` and `TaskDelete`,
/// and no `TaskUpdate`.
extension HighLevelSandbox {
    /// `ContactCreate`, `ContactUpdate`, `ContactDelete`, `ContactTagUpdate`, `ContactDndUpdate`: one shape, the
    /// contact as `GET /contacts/{id}` renders it, so `id` and `dateUpdated` (what the gateway orders by) are there.
    func sendContactEvent(_ type: String, _ contact: StoredContact) {
        guard webhooks.webhookURL != nil else { return }
        send(type, locationId: contact.locationId, fields: contact.render().objectValue ?? [:])
    }

    /// The contact events an update sends: `ContactUpdate`, and `ContactTagUpdate` or `ContactDndUpdate` as well
    /// when the tags or the DND settings changed.
    func sendContactUpdateEvents(old: StoredContact, new: StoredContact) {
        sendContactEvent("ContactUpdate", new)
        if old.tags != new.tags { sendContactEvent("ContactTagUpdate", new) }
        if old.fields["dnd"] != new.fields["dnd"] || old.fields["dndSettings"] != new.fields["dndSettings"] {
            sendContactEvent("ContactDndUpdate", new)
        }
    }

    /// `NoteCreate`, `NoteUpdate`, `NoteDelete` and `TaskCreate`, `TaskComplete`, `TaskDelete`: the note or task as
    /// stored (its `id`, `contactId`, `body`, …).
    func sendActivityEvent(_ type: String, _ item: [String: JSONValue], locationId: String) {
        guard webhooks.webhookURL != nil else { return }
        send(type, locationId: locationId, fields: item)
    }

    private func send(_ type: String, locationId: String, fields: [String: JSONValue]) {
        var event = fields
        event["type"] = .string(type)
        event["locationId"] = .string(locationId)
        event["webhookId"] = .string(RandomID.uuidLike())
        event["timestamp"] = .string(ISODate.string(Date()))
        webhooks.enqueue(.object(event))
    }
}
