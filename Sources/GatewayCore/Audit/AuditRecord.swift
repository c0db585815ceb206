import Foundation

/// One entry of the audit trail: the contract's fields, never a key, a token or a body.
///
/// The request pipeline fills one in as it learns (seq 0, no hashes); the ledger chains it (`chained(seq:prevHash:)`)
/// as it commits. Its fields are described once, in ``fields``.
public struct AuditRecord: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        case ok, unauthenticated, denied
        case rateLimited = "rate_limited"
        case upstreamError = "upstream_error"
        case error
    }

    public var seq: Int64 = 0
    public var timeMs: Int64
    public var requestId: String
    public var keyId: String?
    public var keyName: String?
    public var role: String?
    public var method: String
    /// The route template, e.g. `GET /contacts/{contactId}/tasks`; the raw path for requests that matched none.
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
    /// For a record that stands for a run of requests (failed authentications from one client): how many.
    public var count: Int?
    /// The gateway that wrote the record (several may share one trail); set by the trail as it commits.
    public var node: String?
    public var prevHash: String = ""
    public var hash: String = ""

    public init(
        time: Date, requestId: String, method: String, route: String, path: String, status: Int, outcome: Outcome,
        keyId: String? = nil, keyName: String? = nil, role: String? = nil, locationId: String? = nil,
        contactId: String? = nil, resourceId: String? = nil, upstreamStatus: Int? = nil, upstreamAttempts: Int = 0,
        durationMs: Double = 0, client: String? = nil, count: Int? = nil
    ) {
        self.timeMs = ISOTime.milliseconds(time)
        self.requestId = requestId
        self.method = method
        self.route = route
        self.path = path
        self.status = status
        self.outcome = outcome.rawValue
        self.keyId = keyId
        self.keyName = keyName
        self.role = role
        self.locationId = locationId
        self.contactId = contactId
        self.resourceId = resourceId
        self.upstreamStatus = upstreamStatus
        self.upstreamAttempts = upstreamAttempts
        self.durationMicros = Int64((max(0, durationMs) * 1000).rounded())
        self.client = client
        self.count = count
    }

    /// An empty record, for readers that fill every field from the store.
    public static var blank: AuditRecord {
        AuditRecord(time: Date(timeIntervalSince1970: 0), requestId: "", method: "", route: "", path: "", status: 0, outcome: .ok)
    }

    /// This record as entry `seq` of the chain, after the record whose hash is `prevHash`.
    public func chained(seq: Int64, prevHash: String) -> AuditRecord {
        var record = self
        record.seq = seq
        record.prevHash = prevHash
        record.hash = AuditChain.hash(of: record)
        return record
    }

    public var time: String { AuditChain.rfc3339(milliseconds: timeMs) }
    public var durationMs: Double { Double(durationMicros) / 1000 }

    /// The outcome a gateway status stands for when no upstream answered.
    public static func outcome(forGatewayStatus status: Int) -> Outcome {
        switch status {
        case 401: .unauthenticated
        case 403: .denied
        case 429: .rateLimited
        case 502, 504: .upstreamError
        case 200..<400: .ok
        default: .error
        }
    }

    /// Every field, in the contract's order. Add a field here (with `hashing: .whenPresent`), add its column in a new
    /// migration, and the store, the chain, JSON and CSV all carry it.
    public static let fields: [AuditField] = [
        .integer("seq", "seq", get: { $0.seq }, set: { $0.seq = $1 ?? 0 }),
        .integer("time", "time_ms", kind: .time, get: { $0.timeMs }, set: { $0.timeMs = $1 ?? 0 }),
        .text("requestId", "request_id", get: { $0.requestId }, set: { $0.requestId = $1 ?? "" }),
        .text("keyId", "key_id", get: { $0.keyId }, set: { $0.keyId = $1 }),
        .text("keyName", "key_name", get: { $0.keyName }, set: { $0.keyName = $1 }),
        .text("role", "role", get: { $0.role }, set: { $0.role = $1 }),
        .text("method", "method", get: { $0.method }, set: { $0.method = $1 ?? "" }),
        .text("route", "route", get: { $0.route }, set: { $0.route = $1 ?? "" }),
        .text("path", "path", get: { $0.path }, set: { $0.path = $1 ?? "" }),
        .text("locationId", "location_id", get: { $0.locationId }, set: { $0.locationId = $1 }),
        .text("contactId", "contact_id", get: { $0.contactId }, set: { $0.contactId = $1 }),
        .text("resourceId", "resource_id", get: { $0.resourceId }, set: { $0.resourceId = $1 }),
        .integer("status", "status", get: { Int64($0.status) }, set: { $0.status = Int($1 ?? 0) }),
        .text("outcome", "outcome", get: { $0.outcome }, set: { $0.outcome = $1 ?? "" }),
        .integer("upstreamStatus", "upstream_status", get: { $0.upstreamStatus.map(Int64.init) },
                 set: { $0.upstreamStatus = $1.map(Int.init) }),
        .integer("upstreamAttempts", "upstream_attempts", get: { Int64($0.upstreamAttempts) },
                 set: { $0.upstreamAttempts = Int($1 ?? 0) }),
        .integer("durationMs", "duration_us", kind: .duration, get: { $0.durationMicros },
                 set: { $0.durationMicros = $1 ?? 0 }),
        .text("client", "client", get: { $0.client }, set: { $0.client = $1 }),
        .integer("count", "count", hashing: .whenPresent, get: { $0.count.map(Int64.init) },
                 set: { $0.count = $1.map(Int.init) }),
        .text("node", "node", hashing: .whenPresent, get: { $0.node }, set: { $0.node = $1 }),
        .text("prevHash", "prev_hash", hashing: .never, get: { $0.prevHash }, set: { $0.prevHash = $1 ?? "" }),
        .text("hash", "hash", hashing: .never, get: { $0.hash }, set: { $0.hash = $1 ?? "" }),
    ]

    /// The hashed fields in the canonical line's order: by the bytes of their names.
    static let canonicalFields: [AuditField] = fields.filter {
        if case .never = $0.hashing { return false }
        return true
    }.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }

    public static func field(named name: String) -> AuditField? { fields.first { $0.name == name } }
}

extension AuditRecord: Encodable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The contract's JSON, in its field order: every field present, `null` when unknown, except fields added later
    /// (``AuditField/Hashing/whenPresent``), which appear only with a value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for field in Self.fields {
            let key = Key(stringValue: field.name)
            let value = field.value(of: self)
            if case .whenPresent = field.hashing, value == .text(nil) || value == .integer(nil) { continue }
            switch (value, field.kind) {
            case (.text(let text), _): try container.encode(text, forKey: key)
            case (.integer(nil), _): try container.encodeNil(forKey: key)
            case (.integer(let number?), .time): try container.encode(AuditChain.rfc3339(milliseconds: number), forKey: key)
            case (.integer(let number?), .duration): try container.encode(Double(number) / 1000, forKey: key)
            case (.integer(let number?), _): try container.encode(number, forKey: key)
            }
        }
    }

    /// The field names, as the header of a CSV export.
    public static var csvHeader: [String] { fields.map(\.name) }

    /// The record as CSV cells, in ``csvHeader``'s order; unknown values are empty.
    public var csvCells: [String] {
        Self.fields.map { field in
            switch (field.value(of: self), field.kind) {
            case (.text(let text), _): text ?? ""
            case (.integer(nil), _): ""
            case (.integer(let number?), .time): AuditChain.rfc3339(milliseconds: number)
            case (.integer(let number?), .duration): String(Double(number) / 1000)
            case (.integer(let number?), _): String(number)
            }
        }
    }
}
