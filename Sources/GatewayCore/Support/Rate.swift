/// A rate as the contract writes it: `10/s`, `600/min`, `100/10s`, `5000/h`, `200000/d`.
public struct Rate: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var count: Int
    public var perSeconds: Double

    public init(count: Int, perSeconds: Double) {
        self.count = count
        self.perSeconds = perSeconds
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let count = Int(parts[0]), count > 0 else { return nil }
        var unit = String(parts[1])
        switch unit {
        case "min": unit = "1m"
        case "s", "m", "h", "d": unit = "1" + unit
        default: break
        }
        guard let seconds = DurationText.seconds(unit), seconds > 0 else { return nil }
        self.init(count: count, perSeconds: seconds)
    }

    public var description: String {
        let seconds = perSeconds
        if seconds == 1 { return "\(count)/s" }
        if seconds == 60 { return "\(count)/min" }
        if seconds.truncatingRemainder(dividingBy: 86_400) == 0 { return "\(count)/\(Int(seconds / 86_400))d" }
        if seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(count)/\(Int(seconds / 3600))h" }
        if seconds.truncatingRemainder(dividingBy: 1) == 0 { return "\(count)/\(Int(seconds))s" }
        return "\(count)/\(Int(seconds * 1000))ms"
    }
}
