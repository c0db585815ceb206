import Foundation

/// RFC 3339 times as HighLevel writes them (`2026-12-02T05:00:00.000Z`, with or without the fraction).
public enum ISOTime {
    private static let fractional = Date.ISO8601FormatStyle().year().month().day()
        .time(includingFractionalSeconds: true).timeZone(separator: .omitted)

    public static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: fractional)) ?? (try? Date(text, strategy: .iso8601))
    }

    /// With milliseconds and `Z`, as the audit trail writes times.
    public static func text(_ date: Date) -> String {
        AuditChain.rfc3339(milliseconds: milliseconds(date))
    }

    /// Whole milliseconds since 1970 (the precision of HighLevel's times), rounded to the microsecond first: a
    /// `Date` parsed from `….123Z`, or read back from a store as seconds since 1970, can fall a hair short of .123 in
    /// binary, and truncating it made the event's `dateUpdated` a millisecond older than the contact's (a CI run).
    public static func milliseconds(_ date: Date) -> Int64 {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        return microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
    }
}
