import Foundation
import GatewayCore
import Logging
import ServiceLifecycle

/// Writes each run of refused failed authentications as one audit record with its count, every `interval` and
/// once more at shutdown, so that a flood of wrong keys costs the trail a bounded number of rows.
struct FailedAuthenticationAuditor: Service {
    let failures: FailedAuthenticationGuard
    let audit: any AuditSink
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await PeriodicWork.run(every: interval) { await record() }
    }

    func record() async {
        for run in failures.takeRuns() {
            do {
                try await audit.record(run.auditRecord(requestId: RequestIdentifier.make()))
            } catch {
                logger.error(
                    "cannot record a run of failed authentications",
                    metadata: ["client": "\(run.client)", "count": "\(run.count)", "error": "\(error)"])
            }
        }
    }
}
