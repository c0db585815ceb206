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

    init(format: Format) { self.format = format }

    func begin() {
        if format == .csv { FileHandle.standardOutput.write(Data((AuditRecord.csvHeader.joined(separator: ",") + "\r\n").utf8)) }
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
                out.append(Data((record.csvCells.map(Self.csvCell).joined(separator: ",") + "\r\n").utf8))
            }
        }
        FileHandle.standardOutput.write(out)
    }

    static func csvCell(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
