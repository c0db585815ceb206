import Foundation
import GatewayApp
import GatewayCore

/// Writes exported records to stdout as they come: JSON lines (the contract's record, one per line) or CSV (RFC 4180).
struct AuditExportWriter {
    enum Format { case jsonl, csv }
    let format: Format
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static let columns = [
        "seq", "time", "requestId", "keyId", "keyName", "role", "method", "route", "path", "locationId", "contactId",
        "resourceId", "status", "outcome", "upstreamStatus", "upstreamAttempts", "durationMs", "client", "prevHash", "hash",
    ]

    init(format: Format) { self.format = format }

    func begin() {
        if format == .csv { FileHandle.standardOutput.write(Data((Self.columns.joined(separator: ",") + "\r\n").utf8)) }
    }

    func write(_ records: [AuditRecord]) throws {
        guard !records.isEmpty else { return }
        var out = Data()
        for record in records {
            switch format {
            case .jsonl:
                out.append(try encoder.encode(record))
                out.append(UInt8(ascii: "\n"))
            case .csv:
                let r = record
                let cells: [String?] = [
                    String(r.seq), r.time, r.requestId, r.keyId, r.keyName, r.role, r.method, r.route, r.path,
                    r.locationId, r.contactId, r.resourceId, String(r.status), r.outcome, r.upstreamStatus.map(String.init),
                    String(r.upstreamAttempts), String(r.durationMs), r.client, r.prevHash, r.hash,
                ]
                out.append(Data((cells.map { Self.csvCell($0 ?? "") }.joined(separator: ",") + "\r\n").utf8))
            }
        }
        FileHandle.standardOutput.write(out)
    }

    static func csvCell(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
