import GatewayCore

/// `audit public-key --output json`.
struct PublicKeyDocument: Encodable {
    let algorithm = "ed25519"
    let name: String
    let keyId: String
    /// Base64 of the 32-byte Ed25519 public key.
    let publicKey: String
    /// The signed-note verifier key: `name+keyid+base64(0x01 ‖ public key)`.
    let verifierKey: String

    init(key: AuditCheckpointKey) {
        name = key.name
        keyId = key.keyIDHex
        publicKey = key.base64
        verifierKey = key.verifierKey
    }
}
