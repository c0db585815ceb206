/// A caller's raw query string, checked once and then forwarded byte for byte.
///
/// Forwarding the caller's own encoding keeps HighLevel's semantics (`+` versus `%2B` in a phone number) intact;
/// checking it first means the upstream URL stays well formed whatever the caller sent.
public struct QueryString: Sendable, Equatable {
    /// The raw text without the leading `?`; empty when there is none.
    public let raw: String
    private let pairs: [(name: String, value: String)]

    public static func == (lhs: QueryString, rhs: QueryString) -> Bool { lhs.raw == rhs.raw }

    /// `nil` when the text holds a byte outside RFC 3986's query characters or a malformed `%` escape.
    public init?(raw: String) {
        var pairs: [(String, String)] = []
        for part in raw.split(separator: "&", omittingEmptySubsequences: true) {
            guard part.utf8.allSatisfy(Self.isQueryByte) else { return nil }
            let nameAndValue = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentEncoding.decode(nameAndValue[0], plusAsSpace: true),
                let value = PercentEncoding.decode(nameAndValue.count > 1 ? nameAndValue[1] : "", plusAsSpace: true)
            else { return nil }
            pairs.append((name, value))
        }
        self.raw = raw
        self.pairs = pairs
    }

    /// The first decoded value of a parameter.
    public func value(of name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every decoded value of a parameter, in order.
    public func values(of name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    // pchar / "/" / "?" of RFC 3986 §3.4, without "&" and "=" (they separate pairs) and with "%" checked by decoding.
    private static func isQueryByte(_ byte: UInt8) -> Bool {
        if PercentEncoding.isUnreserved(byte) { return true }
        switch byte {
        case UInt8(ascii: "%"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "?"):
            return true
        default:
            return false
        }
    }
}
