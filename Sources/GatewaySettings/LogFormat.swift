/// How the gateway writes its logs to stderr.
public enum LogFormat: String, Sendable, CaseIterable {
    /// One JSON object per line.
    case json
    /// Plain lines.
    case text
}
