import Foundation

/// Timestamps in HighLevel's format (`2021-07-08T12:02:11.285Z`) and a lenient ISO 8601 check
/// matching class-validator's `IsISO8601` (date only, or date-time with optional fraction and zone).
enum ISODate {
    static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func millis(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func isValid(_ s: String) -> Bool {
        s.wholeMatch(of: #/\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?)?/#) != nil
    }
}
