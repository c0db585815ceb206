import GatewayCore

/// `X-Request-Id`: the caller's when well formed, so a request can be followed across systems, else a new one.
enum RequestIdentifier {
    static func accept(_ presented: String?) -> String? {
        guard let presented, !presented.isEmpty, presented.utf8.count <= 128 else { return nil }
        let allowed = presented.utf8.allSatisfy { byte in
            PathIdentifier.isValid(String(UnicodeScalar(byte))) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
        }
        return allowed ? presented : nil
    }

    static func make() -> String { RandomToken.alphanumeric(20) }
}
