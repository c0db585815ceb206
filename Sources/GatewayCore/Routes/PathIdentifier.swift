/// The rule for ids that callers put in paths and in `locationId`.
///
/// HighLevel's ids are 20-odd alphanumerics; allowing only letters, digits, `-` and `_` means an accepted id never
/// needs encoding and can never carry `/`, `.`, `%`, `?` or a control character into an upstream URL.
public enum PathIdentifier {
    public static let maximumLength = 128
    public static let rule = "1 to 128 letters, digits, '-' or '_'"

    public static func isValid<S: StringProtocol>(_ text: S) -> Bool {
        guard !text.isEmpty, text.utf8.count <= maximumLength else { return false }
        return text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F
        }
    }
}
