import Foundation
import GatewayCore
import Synchronization

/// The latest verification of the whole trail that this console ran, for the overview.
final class LastVerification: Sendable {
    struct Result: Sendable {
        var verification: AuditVerification
        var at: Date
    }

    private let latest = Mutex<Result?>(nil)

    var result: Result? { latest.withLock { $0 } }

    func record(_ verification: AuditVerification, at time: Date) {
        latest.withLock { $0 = Result(verification: verification, at: time) }
    }
}
