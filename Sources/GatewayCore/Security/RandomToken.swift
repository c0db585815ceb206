import Crypto

/// Unguessable identifiers and secrets from the system's CSPRNG (swift-crypto's `SymmetricKey`).
public enum RandomToken {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    /// `length` characters of [A-Za-z0-9]: about 5.95 bits each, without modulo bias (rejection sampling).
    public static func alphanumeric(_ length: Int, lowercaseOnly: Bool = false) -> String {
        let letters = lowercaseOnly ? Array(alphabet[0..<26] + alphabet[52..<62]) : alphabet
        let limit = 256 - (256 % letters.count)
        var result = ""
        result.reserveCapacity(length)
        while result.count < length {
            let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            for byte in bytes where Int(byte) < limit && result.count < length {
                result.append(letters[Int(byte) % letters.count])
            }
        }
        return result
    }
}
