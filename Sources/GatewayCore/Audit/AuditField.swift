/// One field of the audit record, described once: its name (JSON, CSV, the canonical hash line), its column, how
/// its value is rendered, and whether it is hashed. Everything that writes or reads records (the store's columns,
/// binding and reading, the chain's canonical encoding, JSON and CSV) walks ``AuditRecord/fields``.
public struct AuditField: Sendable {
    /// How a value is stored and shown. Times and durations are integers (epoch milliseconds, microseconds), so
    /// what is read back renders to exactly the bytes that were hashed.
    public enum Kind: Sendable {
        case text
        case integer
        /// Epoch milliseconds, shown as RFC 3339 with milliseconds (`2026-11-25T02:20:40.123Z`).
        case time
        /// Microseconds, shown as milliseconds with three fraction digits (`12.345`).
        case duration
    }

    /// Whether and how the field takes part in the canonical line that is hashed.
    public enum Hashing: Sendable {
        /// Always a key of the line, `null` when unknown: the fields records had from the start.
        case always
        /// A key of the line only when it has a value: fields added later, so that records written before them
        /// hash exactly as they did.
        case whenPresent
        /// Not hashed: the chain's own links.
        case never
    }

    /// A field's value as the store binds it and the renderings read it.
    public enum Value: Sendable, Equatable {
        case text(String?)
        case integer(Int64?)
    }

    public let name: String
    public let column: String
    public let kind: Kind
    public let hashing: Hashing
    /// Where it sits in the contract's field order; JSON and CSV follow it.
    let get: @Sendable (AuditRecord) -> Value
    let set: @Sendable (inout AuditRecord, Value) -> Void

    public func value(of record: AuditRecord) -> Value { get(record) }
    public func assign(_ value: Value, to record: inout AuditRecord) { set(&record, value) }

    static func text(
        _ name: String, _ column: String, hashing: Hashing = .always,
        get: @escaping @Sendable (AuditRecord) -> String?, set: @escaping @Sendable (inout AuditRecord, String?) -> Void
    ) -> AuditField {
        AuditField(
            name: name, column: column, kind: .text, hashing: hashing, get: { .text(get($0)) },
            set: { record, value in if case .text(let text) = value { set(&record, text) } })
    }

    static func integer(
        _ name: String, _ column: String, kind: Kind = .integer, hashing: Hashing = .always,
        get: @escaping @Sendable (AuditRecord) -> Int64?, set: @escaping @Sendable (inout AuditRecord, Int64?) -> Void
    ) -> AuditField {
        AuditField(
            name: name, column: column, kind: kind, hashing: hashing, get: { .integer(get($0)) },
            set: { record, value in if case .integer(let number) = value { set(&record, number) } })
    }
}
