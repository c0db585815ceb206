import Foundation
import GatewayApp

/// Prints results: one JSON document on stdout for `--output json`, an aligned table otherwise.
enum Output {
    static func json(_ value: some Encodable) throws {
        let encoder = GatewayJSON.encoder(pretty: true)
        StandardStream.output.write(try encoder.encode(value) + Data("\n".utf8))
    }

    static func table(_ headers: [String], _ rows: [[String]]) {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        var text = line(headers) + "\n"
        for row in rows { text += line(row) + "\n" }
        StandardStream.output.write(text)
    }

    /// One line, unbuffered (scripts wait for "listening on" lines); a closed stdout drops it (see StandardStream).
    static func line(_ text: String) {
        StandardStream.output.write(text + "\n")
    }

    static func date(_ date: Date?) -> String { date.map(Timestamp.rfc3339) ?? "-" }
}
