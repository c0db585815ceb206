import Crypto
import Foundation

/// Seals upstream tokens at rest with AES-256-GCM.
///
/// The location id is authenticated data: a sealed token copied onto another location's row fails to open instead
/// of quietly acting for the wrong location.
public struct TokenCipher: Sendable {
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    private static let formatVersion: UInt8 = 1
    // Bytes rather than `SymmetricKey`, which swift-crypto 3 does not mark Sendable.
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(key: SymmetricKey) { self.keyBytes = key.withUnsafeBytes { Array($0) } }
    public init(secret: GatewaySecret) { self.init(key: secret.tokenEncryptionKey) }

    public func seal(_ plaintext: String, context: String) throws -> Data {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw OpenError(description: "AES-GCM produced no output") }
        return Data([Self.formatVersion]) + combined
    }

    public func open(_ sealed: Data, context: String) throws -> String {
        guard sealed.first == Self.formatVersion else {
            throw OpenError(description: "sealed token has an unknown format")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.dropFirst())
            let plaintext = try AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw OpenError(description: "a stored token cannot be decrypted: the gateway secret differs from the "
                + "one it was sealed with, or the row was altered")
        }
    }
}
