import Crypto

/// Signs checkpoints with the Ed25519 key derived from the gateway secret (``GatewaySecret/auditCheckpointSigningSeed``).
///
/// The private key never leaves the process; anyone may hold ``publicKey`` and check what was signed with it.
public struct AuditCheckpointSigner: Sendable {
    // Bytes rather than a `Curve25519.Signing.PrivateKey`, which swift-crypto 3 does not mark Sendable.
    private let seed: [UInt8]
    public let publicKey: AuditCheckpointKey

    public init(secret: GatewaySecret) {
        let seed = secret.auditCheckpointSigningSeed.withUnsafeBytes { Array($0) }
        // Any 32 bytes are an Ed25519 seed, and HKDF gave 32: neither call can fail.
        let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        self.seed = seed
        self.publicKey = try! AuditCheckpointKey(publicKey: Array(key.publicKey.rawRepresentation))
    }

    public func sign(_ checkpoint: AuditCheckpoint) throws -> SignedNote {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        let text = checkpoint.text
        let signature = try key.signature(for: Array(text.utf8))
        return SignedNote(
            text: text,
            signatures: [.init(keyName: publicKey.name, keyID: publicKey.keyID, bytes: Array(signature))])
    }
}

// A signer ends up inside things that get printed: ServiceLifecycle logs each service with its stored properties at
// debug level. The seed is the private key, so no description, debug description or mirror shows it.
extension AuditCheckpointSigner: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "AuditCheckpointSigner(\(publicKey.verifierKey))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey.verifierKey]) }
}
