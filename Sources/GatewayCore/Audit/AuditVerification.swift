/// What `audit verify` and `GET /admin/v1/audit/verify` report.
public struct AuditVerification: Sendable {
    public var checked: Int
    public var firstFailure: AuditTrailVerifier.Failure?
    public var lastSeq: Int64
    /// The prune boundary: the last pruned record.
    public var checkpointSeq: Int64?
    public var checkpointsChecked: Int
    public var signedSeq: Int64?

    public var ok: Bool { firstFailure == nil }

    public init(
        checked: Int, firstFailure: AuditTrailVerifier.Failure?, lastSeq: Int64, checkpointSeq: Int64?,
        checkpointsChecked: Int, signedSeq: Int64?
    ) {
        self.checked = checked
        self.firstFailure = firstFailure
        self.lastSeq = lastSeq
        self.checkpointSeq = checkpointSeq
        self.checkpointsChecked = checkpointsChecked
        self.signedSeq = signedSeq
    }
}

extension AuditVerification: Encodable {
    private enum Keys: String, CodingKey {
        case ok, checked, firstFailingSeq, reason, lastSeq, checkpointSeq, checkpointsChecked, signedSeq
        case failingCheckpoint
    }

    private enum CheckpointKeys: String, CodingKey { case id, file, seq, node, time }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(checked, forKey: .checked)
        try c.encode(firstFailure?.seq, forKey: .firstFailingSeq)
        try c.encode(firstFailure?.reason, forKey: .reason)
        try c.encode(lastSeq, forKey: .lastSeq)
        try c.encode(checkpointSeq, forKey: .checkpointSeq)
        try c.encode(checkpointsChecked, forKey: .checkpointsChecked)
        try c.encode(signedSeq, forKey: .signedSeq)
        guard let reference = firstFailure?.checkpoint else {
            return try c.encodeNil(forKey: .failingCheckpoint)
        }
        var f = c.nestedContainer(keyedBy: CheckpointKeys.self, forKey: .failingCheckpoint)
        switch reference.source {
        case .stored(let id):
            try f.encode(id, forKey: .id)
            try f.encodeNil(forKey: .file)
        case .file(let path):
            try f.encodeNil(forKey: .id)
            try f.encode(path, forKey: .file)
        }
        try f.encode(reference.checkpoint?.seq, forKey: .seq)
        try f.encode(reference.checkpoint?.node, forKey: .node)
        try f.encode(reference.checkpoint?.time, forKey: .time)
    }
}
