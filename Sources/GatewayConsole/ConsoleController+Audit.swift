import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird
import NIOCore

/// `/console/audit`: the admin API's filters, cursor paging, a record's detail, export, verify, and whether the chain
/// holds for the records on screen. Every view and export is itself a request, so the edge records it in the trail
/// under the signed-in key.
extension ConsoleController {
    static var filterNames: [String] { ["keyId", "locationId", "contactId", "route", "outcome", "status", "since", "until"] }

    func query(_ form: FormFields) throws(GatewayError) -> AuditQuery {
        try AuditQuery(
            keyId: form["keyId"], locationId: form["locationId"], contactId: form["contactId"], route: form["route"],
            outcome: form["outcome"], status: form["status"], since: form["since"], until: form["until"],
            now: services.clock.now())
    }

    /// The filter a refused query is about: the first that is refused on its own.
    func filterField(_ form: FormFields) -> String? {
        for name in ["outcome", "status", "since", "until"] {
            guard let value = form[name] else { continue }
            if (try? query(FormFields("\(name)=\(PercentEncoding.encode(value))"))) == nil { return name }
        }
        return form["limit"] == nil ? nil : "limit"
    }

    /// The filters as a query string, for the next page's and the export's links.
    static func filterQuery(_ form: FormFields, extra: [(String, String)] = []) -> String {
        let pairs = (filterNames + ["limit"]).compactMap { name in form[name].map { (name, $0) } } + extra
        return pairs.map { "\($0.0)=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
    }

    func auditPage(_ call: ConsoleCall<Context>) async throws -> Response {
        let form = call.form
        var values: [String: Any] = [
            "filters": Self.echo(form, Self.filterNames + ["limit"]),
            "outcomes": AuditRecord.Outcome.allCases.map { outcome in
                ["name": outcome.rawValue, "selected": form["outcome"] == outcome.rawValue] as [String: Any]
            },
        ]
        let query: AuditQuery
        let limit: Int
        var before: Int64?
        do {
            query = try self.query(form)
            limit = try AuditQuery.limit(form["limit"], fallback: 50)
            if let cursor = form["cursor"] {
                guard let seq = Int64(cursor), seq > 0 else {
                    throw GatewayError.badRequest("The cursor '\(cursor)' is not one this console gave out.")
                }
                before = seq
            }
        } catch let error as GatewayError {
            values["errors"] = [filterField(form) ?? "form": error.detail]
            return page(call, "audit", title: "Audit", active: "audit", values, status: .badRequest)
        }
        let records = try await services.audit.auditRecords(matching: query, beforeSeq: before, limit: limit)
        values["records"] = records.map(Self.row)
        values["hasRecords"] = !records.isEmpty
        if records.count == limit, let last = records.last {
            values["next"] = "/console/audit?" + Self.filterQuery(form, extra: [("cursor", String(last.seq))])
        }
        if before != nil { values["first"] = "/console/audit?" + Self.filterQuery(form) }
        let filters = Self.filterQuery(form)
        values["exportCSV"] = "/console/audit/export?" + Self.filterQuery(form, extra: [("format", "csv")])
        values["exportJSONL"] = "/console/audit/export?" + Self.filterQuery(form, extra: [("format", "jsonl")])
        values["filtered"] = !filters.isEmpty
        switch try await AuditRangeCheck.check(shown: records, in: services.audit) {
        case .holds(let first, let last, let checked):
            values["range"] = [
                "holds": true,
                "text": "The chain holds for records #\(first) to #\(last): \(checked) records recomputed and linked.",
            ]
        case .broken(let seq, let reason):
            values["range"] = ["broken": true, "text": "The chain is broken at record #\(seq): \(reason)."]
        case .tooLong(let first, let last):
            values["range"] = [
                "text": "Records #\(first) to #\(last) span too much of the trail to check here; use Verify.",
            ]
        case .empty:
            break
        }
        return page(call, "audit", title: "Audit", active: "audit", values)
    }

    static func row(_ record: AuditRecord) -> [String: Any] {
        [
            "seq": record.seq, "time": record.time, "keyName": record.keyName ?? "–", "route": record.route,
            "status": record.status, "outcome": record.outcome, "locationId": record.locationId ?? "",
            "failed": record.status >= 400, "count": record.count.map { "×\($0)" } ?? "",
        ]
    }

    func auditRecord(_ call: ConsoleCall<Context>) async throws -> Response {
        let text = try call.context.parameters.require("seq")
        guard let seq = Int64(text), seq > 0 else {
            throw GatewayError.badRequest("'\(text)' is not a record number.")
        }
        guard
            let record = try await services.audit.auditRecords(
                matching: AuditQuery(), afterSeq: seq - 1, ascending: true, limit: 1
            ).first, record.seq == seq
        else { throw GatewayError.notFound("No audit record #\(seq) (it may have been pruned).") }
        let fields: [[String: String]] = AuditRecord.csvHeader.enumerated().map { index, name in
            ["name": name, "value": record.csvCells[index]]
        }
        let intact = AuditChain.hash(of: record) == record.hash
        return page(
            call, "audit-record", title: "Audit record #\(seq)", active: "audit",
            ["seq": seq, "fields": fields, "intact": intact, "tampered": !intact])
    }

    func auditExport(_ call: ConsoleCall<Context>) async throws -> Response {
        guard let format = call.form["format"].flatMap(AuditExportFormat.init(rawValue:)) else {
            throw GatewayError.badRequest("Choose the export's format: format=csv or format=jsonl.")
        }
        let query = try self.query(call.form)
        let audit = services.audit
        var headers = ConsolePage.headers(contentType: format.contentType)
        let stamp = ConsoleFormat.time(services.clock.now()).prefix(19).replacingOccurrences(of: " ", with: "T")
            .replacingOccurrences(of: ":", with: "")
        headers[.contentDisposition] = "attachment; filename=\"audit-\(stamp).\(format.rawValue)\""
        // One page at a time, oldest first, written before the next is read: memory stays flat.
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: format.header))
            var after: Int64 = 0
            while true {
                let page = try await audit.auditRecords(matching: query, afterSeq: after, ascending: true, limit: 1000)
                var chunk = ""
                for record in page { chunk += try format.line(record) }
                if !chunk.isEmpty { try await writer.write(ByteBuffer(string: chunk)) }
                guard let last = page.last, page.count == 1000 else { break }
                after = last.seq
            }
            try await writer.finish(nil)
        })
    }

    func auditVerify(_ call: ConsoleCall<Context>) async throws -> Response {
        let verification = try await services.audit.verifyAudit(key: services.checkpointKey)
        lastVerification.record(verification, at: services.clock.now())
        return page(
            call, "audit-verify", title: "Verify the trail", active: "audit", Self.verificationValues(verification))
    }

    static func verificationValues(_ verification: AuditVerification) -> [String: Any] {
        var values: [String: Any] = [
            "ok": verification.ok, "failed": !verification.ok, "checked": verification.checked,
            "lastSeq": verification.lastSeq, "checkpointsChecked": verification.checkpointsChecked,
            "signedSeq": verification.signedSeq.map(String.init) ?? "none yet",
        ]
        if let failure = verification.firstFailure { values["failure"] = failure.description }
        return values
    }
}

extension HTTPField.Name {
    static let contentDisposition = Self("Content-Disposition")!
}
