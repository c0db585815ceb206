import Foundation
import GatewaySettings
import Logging
import Synchronization

/// One JSON object per line: `time`, `level`, `label`, `message`, `metadata` (with `requestId` where known),
/// `source`, and `error` when one was logged.
///
/// Secrets never reach a log line: metadata under a sensitive name (`authorization`, `key`, `token`, `secret`, …)
/// is replaced, and any local key (`cgw_…`) or bearer credential in a message or value is masked.
public struct JSONLogHandler: LogHandler {
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

    private static let lock = Mutex(())

    /// Whole lines to stderr, never interleaved.
    public static let stderr: @Sendable (String) -> Void = { line in
        let bytes = Array((line + "\n").utf8)
        lock.withLock { _ in _ = StandardStream.error.write(bytes) }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        var object: [String: Any] = [
            "time": LogTimestamp.now(),
            "level": event.level.rawValue,
            "label": label,
            "message": Redaction.text("\(event.message)"),
            "source": event.source,
        ]
        if let error = event.error { object["error"] = Redaction.text("\(error)") }
        if !all.isEmpty {
            var rendered: [String: Any] = [:]
            for (key, value) in all { rendered[key] = Redaction.value(key: key, value) }
            object["metadata"] = rendered
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        write(String(decoding: data, as: UTF8.self))
    }

}

/// What must never be logged, and how it is masked.
enum Redaction {
    private static let sensitiveNames = ["authorization", "cookie", "apikey", "api-key", "api_key", "token", "secret",
                                         "password", "key"]

    static func isSensitive(_ key: String) -> Bool {
        let lower = key.lowercased()
        if lower == "keyid" || lower == "keyname" || lower.hasSuffix("keyid") || lower.hasSuffix(".id") { return false }
        return sensitiveNames.contains { lower.contains($0) }
    }

    static func value(key: String, _ value: Logger.Metadata.Value) -> Any {
        if isSensitive(key) { return "[redacted]" }
        switch value {
        case .string(let text): return Self.text(text)
        case .stringConvertible(let convertible): return Self.text(convertible.description)
        case .array(let values): return values.map { Self.value(key: "", $0) }
        case .dictionary(let values):
            return values.reduce(into: [String: Any]()) { $0[$1.key] = Self.value(key: $1.key, $1.value) }
        }
    }

    /// Masks local keys (`cgw_` and what follows) and the credential after `Bearer `.
    static func text(_ text: String) -> String {
        guard text.contains("cgw_") || text.range(of: "bearer ", options: .caseInsensitive) != nil else { return text }
        var output = ""
        var rest = Substring(text)
        while let found = rest.range(of: "(cgw_|[Bb]earer |BEARER )", options: .regularExpression) {
            output += rest[..<found.upperBound]
            let tail = rest[found.upperBound...]
            let end = tail.firstIndex { !($0.isLetter || $0.isNumber || "-_.~+/=".contains($0)) } ?? tail.endIndex
            output += "[redacted]"
            rest = tail[end...]
        }
        return output + rest
    }
}

/// Chooses the process's log handler once, from the settings `log.format` and `log.level`.
public enum GatewayLogging {
    private static let bootstrapped = Mutex(false)

    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            switch format {
            case .json: return JSONLogHandler(label: label, level: level)
            case .text: return TextLogHandler(label: label, level: level)
            }
        }
    }
}
