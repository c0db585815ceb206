import Crypto

/// Random identifiers and secrets from the system's CSPRNG (through swift-crypto).
public enum RandomToken {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
    private static let lowercaseAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// `length` characters of [A-Za-z0-9]: about 5.95 bits each, without modulo bias (rejection sampling).
    /// Built as bytes: one random draw of 32 bytes is usually enough for up to ~30 characters.
    public static func alphanumeric(_ length: Int, lowercaseOnly: Bool = false) -> String {
        let letters = lowercaseOnly ? lowercaseAlphabet : alphabet
        let limit = 256 - (256 % letters.count)
        var result: [UInt8] = []
        result.reserveCapacity(length)
        while result.count < length {
            SymmetricKey(size: .bits256).withUnsafeBytes { bytes in
                for byte in bytes where Int(byte) < limit && result.count < length {
                    result.append(letters[Int(byte) % letters.count])
                }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
