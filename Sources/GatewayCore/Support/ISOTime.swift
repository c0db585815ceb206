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
        AuditChain.rfc3339(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
