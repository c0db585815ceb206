import GatewayCore
import Hummingbird

/// `/admin/v1/audit`: review the trail (newest first, paged by an opaque cursor) and verify it, behind `audit.read`.
struct AuditController {
    let audit: any AuditRepository
    let key: AuditCheckpointKey
    let clock: any WallClock

    private struct Page: Encodable {
        var records: [AuditRecord]
        var nextCursor: String?
    }

    func addRoutes(to router: some RouterMethods<GatewayContext>) {
        router.on(.listAudit) { request, _ in
            let q = request.uri.queryParameters
            func text(_ name: String) -> String? { q[name[...]].map(String.init) }
            let query = try AuditQuery(
                keyId: text("keyId"), locationId: text("locationId"), contactId: text("contactId"),
                route: text("route"), outcome: text("outcome"), status: text("status"), since: text("since"),
                until: text("until"), now: clock.now())
            let limit = try AuditQuery.limit(text("limit"))
            var before: Int64?
            if let cursor = text("cursor"), !cursor.isEmpty {
                guard let seq = Int64(cursor), seq > 0 else {
                    throw GatewayError.badRequest("The cursor '\(cursor)' is not one this gateway gave out.")
                }
                before = seq
            }
            let records = try await audit.auditRecords(matching: query, beforeSeq: before, limit: limit)
            let next = records.count == limit ? records.last.map { String($0.seq) } : nil
            return try JSONResponse.make(Page(records: records, nextCursor: next))
        }
        router.on(.verifyAudit) { _, _ in
            try JSONResponse.make(try await audit.verifyAudit(key: key))
        }
    }
}
