import Foundation
import GatewayCore

/// How the console writes times and durations for people.
enum ConsoleFormat {
    /// `2026-12-02 04:30:12 UTC`: unambiguous, sortable, the trail's own zone.
    static func time(_ date: Date) -> String {
        let text = ISOTime.text(date)
        return text.prefix(19).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// `in 3h 5m`, `12m ago`.
    static func relative(_ date: Date, now: Date) -> String {
        let seconds = Int(date.timeIntervalSince(now).rounded())
        let magnitude = abs(seconds)
        let text: String
        switch magnitude {
        case ..<60: text = "\(magnitude)s"
        case ..<3600: text = "\(magnitude / 60)m"
        case ..<86_400: text = "\(magnitude / 3600)h \(magnitude % 3600 / 60)m"
        default: text = "\(magnitude / 86_400)d \(magnitude % 86_400 / 3600)h"
        }
        return seconds >= 0 ? "in \(text)" : "\(text) ago"
    }

    /// A location's circuit breaker for people, and whether calls for the location are failing fast.
    static func breaker(_ state: CircuitBreaker.State?) -> (text: String, failing: Bool) {
        switch state {
        case nil: ("closed (no calls yet)", false)
        case .closed(let failures)?: (failures == 0 ? "closed" : "closed, \(failures) failure(s) in a row", false)
        case .open?: ("open: failing fast after repeated upstream failures", true)
        case .halfOpen?: ("half-open: one probe call decides", true)
        }
    }
}
