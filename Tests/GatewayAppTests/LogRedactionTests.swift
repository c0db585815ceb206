import Foundation
import GatewayApp
import Logging
import Synchronization
import Testing

/// Issue 19, item 11: the text log format hides exactly what the JSON one hides.
@Suite struct LogRedactionTests {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
        var text: String { all.withLock { $0.joined(separator: "\n") } }
        func append(_ line: String) { all.withLock { $0.append(line) } }
    }

    @Test func textAndJSONLinesRedactTheSame() {
        let key = "cgw_abcdefghijkl_0123456789abcdefghijklmnopqrstuv"
        let token = "pit-5f1c2a9e-token"
        let json = Lines()
        let text = Lines()
        let loggers = [
            Logger(label: "json") { JSONLogHandler(label: $0, level: .trace, write: json.append) },
            Logger(label: "text") { TextLogHandler(label: $0, level: .trace, write: text.append) },
        ]
        for logger in loggers {
            logger.info(
                "caller sent Authorization: Bearer \(token) and \(key)",
                metadata: [
                    "authorization": "Bearer \(token)", "apiKey": "\(key)", "refreshToken": "\(token)",
                    "requestId": "req-1", "keyId": "abcdefghijkl", "path": "/contacts/\(key)",
                    "nested": ["secret": "\(token)", "note": "\(key)"],
                ])
            logger.error("failed", metadata: ["client": "10.0.0.1"])
        }
        for (format, lines) in [("json", json.text), ("text", text.text)] {
            #expect(!lines.contains(token), "\(format): \(lines)")
            #expect(!lines.contains(key) && !lines.contains("0123456789abcdef"), "\(format): \(lines)")
            #expect(lines.contains("req-1") && lines.contains("abcdefghijkl") && lines.contains("10.0.0.1"), "\(format)")
            #expect(lines.components(separatedBy: "[redacted]").count == json.text.components(separatedBy: "[redacted]").count,
                    "\(format) masks as often as json: \(lines)")
        }
        #expect(text.all.withLock { $0.count } == 2)
        #expect(text.text.contains("info text: caller sent"), "\(text.text)")
    }
}
