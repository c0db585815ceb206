/// Local keys where they must not be: pasted into a path (`/contacts/cgw_…`) a key would be sent upstream as an id
/// and written into the audit trail. Anything that starts with the keys' prefix counts, whole key or not: no
/// HighLevel id does, and a partial key is still a secret.
public enum KeyShapedText {
    public static let redaction = "{redacted-key}"

    /// Whether a (decoded) path parameter has a local key's shape.
    public static func isKeyShaped<S: StringProtocol>(_ value: S) -> Bool {
        value.hasPrefix(KeyFormat.prefix)
    }

    /// `path` with every segment that is, or decodes to, something key-shaped replaced by `{redacted-key}`.
    /// Runs on every request's path: a path holding neither the prefix nor a `%` is returned as it is.
    public static func redacting(path: String) -> String {
        guard mayHoldKey(path) else { return path }
        var changed = false
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> Substring in
            let decoded = segment.contains("%") ? PercentEncoding.decode(segment).map { Substring($0) } ?? segment : segment
            guard isKeyShaped(decoded) else { return segment }
            changed = true
            return Substring(redaction)
        }
        return changed ? segments.joined(separator: "/") : path
    }

    private static func mayHoldKey(_ path: String) -> Bool {
        let prefix = Array(KeyFormat.prefix.utf8)
        var matched = 0
        for byte in path.utf8 {
            if byte == UInt8(ascii: "%") { return true }
            matched = byte == prefix[matched] ? matched + 1 : (byte == prefix[0] ? 1 : 0)
            if matched == prefix.count { return true }
        }
        return false
    }
}
