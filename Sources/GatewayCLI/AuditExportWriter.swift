import Foundation
import GatewayApp
import GatewayCore

/// Writes exported records to stdout as they come, in an ``AuditExportFormat`` (shared with the console's download).
struct AuditExportWriter {
    let format: AuditExportFormat

    init(format: AuditExportFormat) { self.format = format }

    func begin() {
        if !format.header.isEmpty { StandardStream.output.write(format.header) }
    }

    func write(_ records: [AuditRecord]) throws {
        guard !records.isEmpty else { return }
        var out = Data()
        for record in records { out.append(Data(try format.line(record).utf8)) }
        StandardStream.output.write(out)
    }
}
