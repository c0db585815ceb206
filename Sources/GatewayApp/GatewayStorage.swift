import Foundation
import GatewayCore
import GatewaySQLite

/// The database and the secret that protects what is in it, opened the same way by `serve` and every CLI command.
public struct GatewayStorage: Sendable {
    public let store: SQLiteStore
    public let secret: GatewaySecret
    public let keyFormat: KeyFormat
    /// Signs the audit trail's checkpoints with the key derived from `secret`.
    public let checkpointSigner: AuditCheckpointSigner

    public static func open(_ configuration: GatewayConfiguration) throws -> GatewayStorage {
        let path = try configuration.sqlitePath()
        let secret = try GatewaySecret.load(environmentValue: configuration.secretKey, keyFile: try configuration.keyFilePath())
        let store = try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
        return GatewayStorage(
            store: store, secret: secret, keyFormat: KeyFormat(secret: secret),
            checkpointSigner: AuditCheckpointSigner(secret: secret))
    }
}
