import Foundation

/// How an export writes records, the same for `audit export` and the console's download: JSON lines (the contract's
/// record, one per line) or CSV (RFC 4180, with a header line).
public enum AuditExportFormat: String, Sendable, CaseIterable {
    case jsonl, csv

    public var contentType: String {
        switch self {
        case .jsonl: "application/jsonl; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        }
    }

    /// What comes before the first record.
    public var header: String {
        switch self {
        case .jsonl: ""
        case .csv: AuditRecord.csvHeader.joined(separator: ",") + "\r\n"
        }
    }

    /// One record, with its line ending.
    public func line(_ record: AuditRecord) throws -> String {
        switch self {
        case .jsonl:
            let encoder = JSONEncoder()
            // Keys sorted, as the admin API's JSON (GatewayJSON) has them, so a line compares with an API record.
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(record), as: UTF8.self) + "\n"
        case .csv:
            return record.csvCells.map(Self.csvCell).joined(separator: ",") + "\r\n"
        }
    }

    /// RFC 4180 quoting, and a guard against spreadsheet formula injection (OWASP's advice): a cell that begins
    /// with `=`, `+`, `-`, `@`, a tab or a carriage return (a path or client a caller chose) is prefixed with `'` and
    /// quoted, so a spreadsheet shows it as text instead of running it.
    public static func csvCell(_ text: String) -> String {
        if let first = text.first, "=+-@\t\r".contains(first) {
            return "\"'" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
