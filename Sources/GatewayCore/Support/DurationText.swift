import Foundation

/// Durations as the contract writes them: `90s`, `15m`, `12h`, `30d` (and `500ms`).
public enum DurationText {
    public static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
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
}
