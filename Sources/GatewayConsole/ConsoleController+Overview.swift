import Foundation
import GatewayCore
import Hummingbird

/// `/console`: what a signed-in key may see at a glance. Connections (their state, token expiry, upstream budget
/// left) for `connections.manage`; the last hour's requests and errors, the latest errors and the chain's last
/// verify for `audit.read`.
extension ConsoleController {
    func overview(_ call: ConsoleCall<Context>) async throws -> Response {
        let scopes = call.principal.role.scopes
        var values: [String: Any] = [:]
        if scopes.contains(.connectionsManage) {
            let rows = try await connectionRows(call)
            var section: [String: Any] = ["connections": rows, "hasConnections": !rows.isEmpty]
            let needing = rows.filter { $0["needsAuthorization"] as? Bool == true }.count
            if needing > 0 { section["needingAuthorization"] = needing }
            values["connectionsSection"] = section
        }
        if scopes.contains(.auditRead) {
            let now = services.clock.now()
            var lastHour = AuditQuery()
            lastHour.sinceMs = Int64((now.timeIntervalSince1970 - 3600) * 1000)
            let records = try await services.audit.auditRecords(matching: lastHour, limit: 10_000)
            let chart = RequestsChart(records: records, now: now)
            var traffic: [String: Any] = [
                "chart": chart.svg, "requests": chart.totalRequests, "errors": chart.totalErrors,
                "recentErrors": records.filter { $0.status >= 400 }.prefix(10).map(Self.row),
                "truncated": records.count == 10_000,
            ]
            traffic["hasRecentErrors"] = !((traffic["recentErrors"] as? [[String: Any]])?.isEmpty ?? true)
            if let last = lastVerification.result {
                traffic["verify"] = Self.verificationValues(last.verification).merging(
                    ["at": ConsoleFormat.relative(last.at, now: now)]) { _, new in new }
            }
            values["trafficSection"] = traffic
        }
        values["nothingToShow"] = values.isEmpty
        return page(call, "overview", title: "Overview", active: "overview", values)
    }
}
