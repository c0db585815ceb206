import Foundation

/// One committed entry of the audit trail: the event as the store holds it, with its place in the hash chain.
///
/// Times are kept in whole milliseconds and durations in whole microseconds, so that what is read back encodes to
/// exactly the bytes that were hashed.
public struct AuditRecord: Sendable, Equatable {
    public var seq: Int64
    public var timeMs: Int64
    public var requestId: String
    public var keyId: String?
    public var keyName: String?
    public var role: String?
    public var method: String
    public var route: String
    public var path: String
    public var locationId: String?
    public var contactId: String?
    public var resourceId: String?
    public var status: Int
    public var outcome: String
    public var upstreamStatus: Int?
    public var upstreamAttempts: Int
    public var durationMicros: Int64
    public var client: String?
    public var prevHash: String
    public var hash: String

    public init(
        seq: Int64, timeMs: Int64, requestId: String, keyId: String?, keyName: String?, role: String?, method: String,
        route: String, path: String, locationId: String?, contactId: String?, resourceId: String?, status: Int,
        outcome: String, upstreamStatus: Int?, upstreamAttempts: Int, durationMicros: Int64, client: String?,
        prevHash: String, hash: String
    ) {
        self.seq = seq
        self.timeMs = timeMs
        self.requestId = requestId
        self.keyId = keyId
        self.keyName = keyName
        self.role = role
        self.method = method
        self.route = route
        self.path = path
        self.locationId = locationId
        self.contactId = contactId
        self.resourceId = resourceId
        self.status = status
        self.outcome = outcome
        self.upstreamStatus = upstreamStatus
        self.upstreamAttempts = upstreamAttempts
        self.durationMicros = durationMicros
        self.client = client
        self.prevHash = prevHash
        self.hash = hash
    }

    /// Chains `event` after `prevHash` as record `seq`.
    public init(chaining event: AuditEvent, seq: Int64, prevHash: String) {
        self.init(
            seq: seq, timeMs: Int64((event.time.timeIntervalSince1970 * 1000).rounded(.down)),
            requestId: event.requestId, keyId: event.keyId, keyName: event.keyName, role: event.role,
            method: event.method, route: event.route, path: event.path, locationId: event.locationId,
            contactId: event.contactId, resourceId: event.resourceId, status: event.status,
            outcome: event.outcome.rawValue, upstreamStatus: event.upstreamStatus,
            upstreamAttempts: event.upstreamAttempts,
            durationMicros: Int64((max(0, event.durationMs) * 1000).rounded()), client: event.client,
            prevHash: prevHash, hash: "")
        hash = AuditChain.hash(of: self)
    }

    public var time: String { AuditChain.rfc3339(milliseconds: timeMs) }
    public var durationMs: Double { Double(durationMicros) / 1000 }
}

extension AuditRecord: Encodable {
    private enum Keys: String, CodingKey {
        case seq, time, requestId, keyId, keyName, role, method, route, path, locationId, contactId, resourceId
        case status, outcome, upstreamStatus, upstreamAttempts, durationMs, client, prevHash, hash
    }

    /// The contract's JSON: every field present, `null` when unknown.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(time, forKey: .time)
        try c.encode(requestId, forKey: .requestId)
        try c.encode(keyId, forKey: .keyId)
        try c.encode(keyName, forKey: .keyName)
        try c.encode(role, forKey: .role)
        try c.encode(method, forKey: .method)
        try c.encode(route, forKey: .route)
        try c.encode(path, forKey: .path)
        try c.encode(locationId, forKey: .locationId)
        try c.encode(contactId, forKey: .contactId)
        try c.encode(resourceId, forKey: .resourceId)
        try c.encode(status, forKey: .status)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(upstreamStatus, forKey: .upstreamStatus)
        try c.encode(upstreamAttempts, forKey: .upstreamAttempts)
        try c.encode(durationMs, forKey: .durationMs)
        try c.encode(client, forKey: .client)
        try c.encode(prevHash, forKey: .prevHash)
        try c.encode(hash, forKey: .hash)
    }
}
