import Foundation
import Logging

/// Plain log lines (`GATEWAY_LOG_FORMAT=text`): `time level label: message key=value …`, redacted exactly as the
/// JSON lines are (``Redaction``): sensitive metadata names replaced, local keys and bearer credentials masked.
///
/// swift-log's `StreamLogHandler` prints metadata as it is given, so it cannot be used here: a key logged by
/// accident would reach the text log although the JSON one hides it.
public struct TextLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level = .info, write: @escaping @Sendable (String) -> Void = JSONLogHandler.stderr) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        var line = "\(LogTimestamp.now()) \(event.level.rawValue) \(label): \(Redaction.text("\(event.message)"))"
        for key in all.keys.sorted() {
            guard let value = all[key] else { continue }
            line += " \(key)=\(Self.render(Redaction.value(key: key, value)))"
        }
        if let error = event.error { line += " error=\(Self.render(Redaction.text("\(error)")))" }
        write(line)
    }

    /// A redacted value as text: strings quoted when they hold a space, lists and dictionaries in brackets.
    private static func render(_ value: Any) -> String {
        switch value {
        case let text as String:
            return text.contains(where: { $0 == " " || $0 == "\"" || $0.isNewline })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
                : text
        case let list as [Any]: return "[" + list.map(render).joined(separator: ",") + "]"
        case let dictionary as [String: Any]:
            return "[" + dictionary.keys.sorted().map { "\($0): \(render(dictionary[$0]!))" }.joined(separator: ", ") + "]"
        default: return "\(value)"
        }
    }
}

/// Log times: RFC 3339 with milliseconds, UTC, for both formats.
enum LogTimestamp {
    static func now() -> String {
        var formatter = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        formatter.timeZone = .gmt
        return Date().formatted(formatter)
    }
}
