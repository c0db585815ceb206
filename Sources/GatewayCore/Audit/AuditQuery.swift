import Foundation

/// Which records a review asks for. Built from text (query string or flags) so that every bad filter is caught in one
/// place and answered as 400 / one plain line.
public struct AuditQuery: Sendable, Equatable {
    public var keyId: String?
    public var locationId: String?
    public var contactId: String?
    public var route: String?
    public var outcome: AuditRecord.Outcome?
    public var status: Int?
    /// Inclusive, in epoch milliseconds.
    public var sinceMs: Int64?
    /// Exclusive, in epoch milliseconds.
    public var untilMs: Int64?

    public init() {}

    /// Reads filters as people write them: times in RFC 3339 (`2026-11-25T10:00:00Z`, fractions and offsets allowed),
    /// a bare date (`2026-11-25`, midnight UTC) or an age (`15m`, `10min`, `24h`: that long before `now`); routes as
    /// ``AuditRouteFilter`` reads them.
    public init(
        keyId: String? = nil, locationId: String? = nil, contactId: String? = nil, route: String? = nil,
        outcome: String? = nil, status: String? = nil, since: String? = nil, until: String? = nil, now: Date = Date()
    ) throws(GatewayError) {
        func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        self.keyId = nonEmpty(keyId)
        self.locationId = nonEmpty(locationId)
        self.contactId = nonEmpty(contactId)
        self.route = try nonEmpty(route).map(AuditRouteFilter.label)
        if let outcome = nonEmpty(outcome) {
            guard let parsed = AuditRecord.Outcome(rawValue: outcome) else {
                throw .badRequest("Unknown outcome '\(outcome)': use ok, unauthenticated, denied, rate_limited, upstream_error or error.")
            }
            self.outcome = parsed
        }
        if let status = nonEmpty(status) {
            guard let parsed = Int(status), (100...599).contains(parsed) else {
                throw .badRequest("The status '\(status)' must be an HTTP status code such as 200 or 403.")
            }
            self.status = parsed
        }
        if let since = nonEmpty(since) { sinceMs = try Self.time(since, name: "since", now: now) }
        if let until = nonEmpty(until) { untilMs = try Self.time(until, name: "until", now: now) }
    }

    public static func time(_ text: String, name: String, now: Date = Date()) throws(GatewayError) -> Int64 {
        if let seconds = DurationText.seconds(text) {
            return Int64((now.timeIntervalSince1970 - seconds) * 1000)
        }
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let plain = Date.ISO8601FormatStyle()
        if let date = (try? withFraction.parse(text)) ?? (try? plain.parse(text)) {
            return ISOTime.milliseconds(date)
        }
        // A bare date is that day's start in UTC, as the records' times are written.
        let day = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day()
        if text.count == 10, let date = try? day.parse(text) {
            return ISOTime.milliseconds(date)
        }
        throw .badRequest(
            "The time '\(text)' for '\(name)' must be RFC 3339 (e.g. 2026-11-25T10:00:00Z), a date (2026-11-25, "
                + "UTC) or an age such as 15m, 10min or 24h.")
    }

    /// A page size: 1 to `maximum`, `fallback` when absent.
    public static func limit(_ text: String?, fallback: Int = 100, maximum: Int = 1000) throws(GatewayError) -> Int {
        guard let text, !text.isEmpty else { return fallback }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw .badRequest("The limit '\(text)' must be a whole number from 1 to \(maximum).")
        }
        return value
    }
}
