/// HighLevel's event types that a subscription may name: those about contacts, their notes and tasks (the
/// gateway's domain), and the app's own install events. Anything else is refused when a subscription is made, so a
/// typo never becomes a subscription that silently receives nothing.
public enum HighLevelEventType {
    public static let all: [String] = [
        "ContactCreate", "ContactUpdate", "ContactDelete", "ContactDndUpdate", "ContactTagUpdate",
        "NoteCreate", "NoteUpdate", "NoteDelete", "TaskCreate", "TaskComplete", "TaskDelete",
        "AppointmentCreate", "AppointmentUpdate", "AppointmentDelete", "INSTALL", "UNINSTALL",
    ]

    /// What reconciliation delivers for a change HighLevel sent no event for.
    public static let contactUpdate = "ContactUpdate"
}
