import Foundation

/// The waits between a failed delivery and its next attempt (`GATEWAY_DELIVERY_SCHEDULE`); after the last one the
/// delivery is dead. Eight waits make nine attempts.
public struct DeliverySchedule: Sendable, Equatable, CustomStringConvertible {
    public let waits: [Duration]

    public static let standard = DeliverySchedule(
        waits: [.seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(1800), .seconds(3600),
                .seconds(3 * 3600), .seconds(6 * 3600)])

    /// How far a wait may stray either way, so that a receiver that failed for many deliveries at once is not hit
    /// by all of them again in the same second.
    public static let jitterFraction = 0.1

    public init(waits: [Duration]) {
        precondition(!waits.isEmpty && waits.allSatisfy { $0 > .zero }, "a schedule has at least one positive wait")
        self.waits = waits
    }

    /// `5s,30s,2m`: nil when empty, or when a wait is not a positive duration.
    public init?(text: String) {
        var waits: [Duration] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let wait = DurationText.duration(part.trimmingCharacters(in: .whitespaces)), wait > .zero else {
                return nil
            }
            waits.append(wait)
        }
        guard !waits.isEmpty else { return nil }
        self.init(waits: waits)
    }

    public var attempts: Int { waits.count + 1 }

    /// The longest wait, which also caps a receiver's `Retry-After`.
    public var longest: Duration { waits.max()! }

    public var description: String { waits.map(DurationText.text).joined(separator: ",") }
}
