import Foundation

/// Sample data so a fresh sandbox is not empty: three contacts per location, the first with a task,
/// a note and an appointment (appointments cannot be created through the Contacts API).
enum SandboxSeed {
    static let businessId = "biz-sandbox-0001"

    static func seed(_ store: inout ContactStore, locationId: String, now: Date) {
        let people: [[String: JSONValue]] = [
            [
                "firstName": "John", "lastName": "Deo", "email": "john.deo@example.com", "phone": "+15550100001",
                "tags": ["customer"], "source": "sandbox seed", "country": "US", "address1": "3535 1st St N",
                "city": "Dolomite", "state": "AL", "postalCode": "35061", "timezone": "America/Chicago",
            ],
            [
                "firstName": "Jane", "lastName": "Roe", "email": "jane.roe@example.com", "phone": "+15550100002",
                "tags": ["lead", "vip"], "source": "sandbox seed", "country": "US",
            ],
            [
                "firstName": "Rosan", "lastName": "Deo", "email": "rosan@deos.com", "phone": "+15550100003",
                "companyName": "DGS VolMAX", "source": "sandbox seed", "country": "US",
            ],
        ]
        var first: StoredContact?
        for person in people {
            let c = store.create(locationId: locationId, body: person, now: now)
            if first == nil { first = c }
        }
        guard var john = first else { return }
        john.fields["businessId"] = .string(businessId)
        john.tasks.append([
            "id": .string(RandomID.highLevelID()), "title": "Call back", "body": "Discuss renewal",
            "dueDate": .string(ISODate.string(now.addingTimeInterval(86400))), "completed": false,
            "contactId": .string(john.id),
        ])
        john.notes.append([
            "id": .string(RandomID.highLevelID()), "body": "Met at the trade show", "userId": "user-sandbox",
            "dateAdded": .string(ISODate.string(now)), "contactId": .string(john.id), "title": "First contact",
            "color": "#FFAA00", "pinned": false,
        ])
        let start = now.addingTimeInterval(2 * 86400)
        john.appointments.append([
            "id": .string(RandomID.highLevelID()), "calendarId": "cal-sandbox-0001", "status": "booked",
            "title": "Intro call", "assignedUserId": "user-sandbox", "notes": "Sandbox appointment",
            "startTime": .string(ISODate.string(start)), "endTime": .string(ISODate.string(start.addingTimeInterval(1800))),
            "address": "https://meet.example.com/sandbox", "locationId": .string(locationId), "contactId": .string(john.id),
            "groupId": "group-sandbox-0001", "appointmentStatus": "booked", "users": ["user-sandbox"],
            "dateAdded": .string(ISODate.string(now)), "dateUpdated": .string(ISODate.string(now)), "assignedResources": [],
        ])
        store.put(john)
    }
}
