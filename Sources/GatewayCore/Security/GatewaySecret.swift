import Crypto
import Foundation

/// The server's one secret. Sub-keys for token encryption, API-key hashing and audit checkpoint signing are derived
/// from it with HKDF, so that no use can weaken another.
public struct GatewaySecret: Sendable, Equatable {
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    // Bytes rather than `SymmetricKey`, which swift-crypto 3 does not mark Sendable.
    private let bytes: [UInt8]
    private var material: SymmetricKey { SymmetricKey(data: bytes) }

    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else {
            throw LoadError(description: "the gateway secret must be 32 bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// Parses `GATEWAY_SECRET_KEY`: 32 bytes as base64 or as 64 hex digits.
    public init(encoded text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.count == 64, let bytes = Self.hexBytes(trimmed) {
            try self.init(bytes: bytes)
        } else if let data = Data(base64Encoded: trimmed), data.count == 32 {
            try self.init(bytes: Array(data))
        } else {
            throw LoadError(description: "GATEWAY_SECRET_KEY must be 32 bytes as base64 or 64 hex digits "
                + "(make one with: openssl rand -base64 32)")
        }
    }

    public static func generate() -> GatewaySecret {
        // 32 bytes from the system's CSPRNG, through swift-crypto.
        GatewaySecret(unchecked: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    public var base64: String { Data(bytes).base64EncodedString() }

    /// The key that seals upstream tokens at rest.
    public var tokenEncryptionKey: SymmetricKey { derive("contacts-gateway/token-encryption/v1") }
    /// The key under which API key secrets are hashed (HMAC-SHA-256).
    public var keyHashingKey: SymmetricKey { derive("contacts-gateway/api-key-hash/v1") }
    /// The seed of the Ed25519 key that signs audit checkpoints: every gateway with this secret signs as the same key.
    public var auditCheckpointSigningSeed: SymmetricKey { derive("contacts-gateway/audit-checkpoint-signing/v1") }

    /// Names this secret without revealing it: a shared store keeps it to tell a node started with another secret
    /// (which could open none of its tokens) before it serves. A one-way derivation, not the secret or a sub-key.
    public var storeFingerprint: String {
        derive("contacts-gateway/store-fingerprint/v1").withUnsafeBytes { bytes in
            bytes.prefix(16).map { String(format: "%02x", $0) }.joined()
        }
    }

    private func derive(_ info: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: material, info: Data(info.utf8), outputByteCount: 32)
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let byte = UInt8(String([high, low]), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}

extension GatewaySecret {
    /// The secret from a key file (used when `GATEWAY_SECRET_KEY` is not set), created (mode 0600) when absent and
    /// `creating`. A key file that others can read is refused rather than used.
    public static func loadOrCreateKeyFile(_ keyFile: String, creating: Bool) throws -> GatewaySecret {
        let manager = FileManager.default
        if manager.fileExists(atPath: keyFile) {
            let attributes = try manager.attributesOfItem(atPath: keyFile)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
            guard mode & 0o077 == 0 else {
                throw LoadError(description: "key file \(keyFile) is readable by others (mode "
                    + String(mode, radix: 8) + "); run: chmod 600 \(keyFile)")
            }
            guard let text = manager.contents(atPath: keyFile).flatMap({ String(data: $0, encoding: .utf8) }) else {
                throw LoadError(description: "key file \(keyFile) cannot be read")
            }
            return try GatewaySecret(encoded: text)
        }
        guard creating else {
            throw LoadError(description: "no key file at \(keyFile) beside the database: set GATEWAY_SECRET_KEY to the "
                + "secret the database was made with, or put its key file back")
        }
        let secret = GatewaySecret.generate()
        try secret.writeKeyFile(keyFile)
        return secret
    }

    /// Writes this secret as a new key file (mode 0600): `store copy` gives an SQLite copy its source's secret.
    public func writeKeyFile(_ keyFile: String) throws {
        let manager = FileManager.default
        let directory = (keyFile as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // Created with 0600 from the start, so there is no moment when the key is readable by others.
        guard manager.createFile(atPath: keyFile, contents: Data((base64 + "\n").utf8),
                                 attributes: [.posixPermissions: 0o600])
        else {
            throw LoadError(description: "cannot create key file \(keyFile)")
        }
    }
}
