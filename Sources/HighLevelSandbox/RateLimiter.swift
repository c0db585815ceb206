import Foundation

/// HighLevel's per-location limits: a sliding burst window plus a per-UTC-day budget (highlevel-api.md §5).
///
/// Only admitted requests occupy the window; a 429 does not push the window further out, so a client that
/// backs off for `interval` always gets through again.
struct RateLimiter {
    struct Decision {
        let allowed: Bool
        let headers: [(String, String)]
    }

    let limit: SandboxRateLimit?
    private var windows: [String: [ContinuousClock.Instant]] = [:]
    private var daily: [String: (day: Int, count: Int)] = [:]

    init(limit: SandboxRateLimit?) {
        self.limit = limit
    }

    mutating func admit(locationId: String, now: ContinuousClock.Instant, wallClock: Date) -> Decision {
        guard let limit else { return Decision(allowed: true, headers: []) }
        let day = Int((wallClock.timeIntervalSince1970 / 86400).rounded(.down))
        var window = windows[locationId, default: []]
        let cutoff = now.advanced(by: .zero - limit.interval)
        if let firstLive = window.firstIndex(where: { $0 > cutoff }) {
            window.removeFirst(firstLive)
        } else {
            window.removeAll(keepingCapacity: true)
        }
        var today: (day: Int, count: Int) = daily[locationId].flatMap { $0.day == day ? $0 : nil } ?? (day: day, count: 0)

        let allowed = window.count < limit.max && today.count < limit.daily
        if allowed {
            window.append(now)
            today.count += 1
        }
        windows[locationId] = window
        daily[locationId] = today

        let headers = [
            ("X-RateLimit-Limit-Daily", String(limit.daily)),
            ("X-RateLimit-Daily-Remaining", String(max(0, limit.daily - today.count))),
            ("X-RateLimit-Interval-Milliseconds", String(limit.intervalMilliseconds)),
            ("X-RateLimit-Max", String(limit.max)),
            ("X-RateLimit-Remaining", String(allowed ? max(0, limit.max - window.count) : 0)),
        ]
        return Decision(allowed: allowed, headers: headers)
    }
}
