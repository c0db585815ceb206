/// Identifier and token generation. HighLevel ids are 20 alphanumeric characters.
enum RandomID {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    private static let hex = Array("0123456789abcdef")

    static func highLevelID() -> String {
        var g = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(g.next(upperBound: UInt(alphabet.count)))] })
    }

    /// 256 bits of randomness; tokens must not be guessable even in a sandbox shared by parallel tests.
    static func token(prefix: String) -> String {
        var g = SystemRandomNumberGenerator()
        return prefix + String((0..<64).map { _ in hex[Int(g.next(upperBound: UInt(16)))] })
    }

    static func uuidLike() -> String {
        var g = SystemRandomNumberGenerator()
        let chars = (0..<32).map { _ in hex[Int(g.next(upperBound: UInt(16)))] }
        let s = String(chars)
        let i = s.startIndex
        func part(_ a: Int, _ b: Int) -> Substring { s[s.index(i, offsetBy: a)..<s.index(i, offsetBy: b)] }
        return "\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }
}
