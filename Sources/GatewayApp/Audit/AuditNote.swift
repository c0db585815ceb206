import GatewayCore
import Synchronization

/// What the layers of one request learn for its audit record. A reference, because the edge middleware that writes
/// the record only sees the context it passed down, not the copies inner layers changed.
public final class AuditNote: Sendable {
    struct Fields {
        var principal: Principal?
        var route: String?
        var locationId: String?
        var contactId: String?
        var resourceId: String?
        var upstreamStatus: Int?
        var upstreamAttempts = 0
    }

    private let fields = Mutex(Fields())

    func update(_ change: (inout Fields) -> Void) { fields.withLock { change(&$0) } }
    var snapshot: Fields { fields.withLock { $0 } }
}
