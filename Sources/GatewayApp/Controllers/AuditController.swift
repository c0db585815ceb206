import GatewayCore
import GatewaySQLite
import Hummingbird

/// `/admin/v1/audit`: review the trail (newest first, paged by an opaque cursor) and verify its chain.
struct AuditController {
    let gateway: Gateway
    let access: AdminAccess

    private struct Page: Encodable {
        var records: [AuditRecord]
        var nextCursor: String?
    }

    func addRoutes(to router: Router<GatewayContext>) {
        router.get("/admin/v1/audit") { request, context in
            _ = try await access.require(.auditRead, request, context, route: "GET /admin/v1/audit")
            let q = request.uri.queryParameters
            func text(_ name: String) -> String? { q[name[...]].map(String.init) }
            let query = try AuditQuery(
                keyId: text("keyId"), locationId: text("locationId"), contactId: text("contactId"),
                route: text("route"), outcome: text("outcome"), status: text("status"), since: text("since"),
                until: text("until"), now: gateway.clock.now())
            let limit = try AuditQuery.limit(text("limit"))
            var before: Int64?
            if let cursor = text("cursor"), !cursor.isEmpty {
                guard let seq = Int64(cursor), seq > 0 else {
                    throw GatewayError.badRequest("The cursor '\(cursor)' is not one this gateway gave out.")
                }
                before = seq
            }
            let records = try await gateway.store.auditRecords(matching: query, beforeSeq: before, limit: limit)
            let next = records.count == limit ? records.last.map { String($0.seq) } : nil
            return try JSONResponse.make(Page(records: records, nextCursor: next))
        }
        router.get("/admin/v1/audit/verify") { request, context in
            _ = try await access.require(.auditRead, request, context, route: "GET /admin/v1/audit/verify")
            return try JSONResponse.make(try await gateway.store.verifyAudit(key: gateway.checkpointSigner.publicKey))
        }
    }
}
