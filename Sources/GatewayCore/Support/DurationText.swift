import Foundation

/// Durations as the contract writes them: `90s`, `15m`, `12h`, `30d` (and `500ms`, and `10min` as people write it).
public enum DurationText {
    public static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("min", 60), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            // "15ms" also ends in "s": only accept a plain number before the unit.
            guard let value = Double(number), value >= 0, value.isFinite else { continue }
            return value * factor
        }
        return nil
    }

    public static func duration(_ text: String) -> Duration? {
        seconds(text).map { .milliseconds(Int64(($0 * 1000).rounded())) }
    }

    /// The shortest exact way to write `duration`: `30s`, `15m`, `12h`, `2d`, `250ms`.
    public static func text(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        guard milliseconds % 1000 == 0 else { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000
        for (suffix, factor) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds > 0 && seconds % factor == 0 {
            return "\(seconds / factor)\(suffix)"
        }
        return "\(seconds)s"
    }
}
