import GatewayCore

/// `audit checkpoint`'s JSON: the stored row's id, the signed note, and the fields its text holds.
struct CheckpointDocument: Encodable {
    let id: Int64
    let signed: SignedAuditCheckpoint

    private enum Keys: String, CodingKey { case id }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(id, forKey: .id)
        try signed.encode(to: encoder)
    }
}
