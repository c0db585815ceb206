import Foundation
import Synchronization

/// ``FailedAuthentications`` for the whole process, behind one lock: only failures take it, never a good request.
public final class FailedAuthenticationGuard: Sendable {
    private let state: Mutex<FailedAuthentications>
    private let clock: any WallClock

    public init(rate: Rate, maximumClients: Int = 10_000, clock: any WallClock = SystemWallClock()) {
        state = Mutex(FailedAuthentications(rate: rate, maximumClients: maximumClients))
        self.clock = clock
    }

    /// The verdict on one failed authentication from `address` (a client's IP address, as the socket gives it).
    public func failure(from address: String?) -> FailedAuthentications.Verdict {
        let client = ClientAddress.bucket(for: address)
        let now = clock.now()
        return state.withLock { $0.failure(from: client, at: now) }
    }

    public func takeRuns() -> [FailedAuthentications.Run] {
        let now = clock.now()
        return state.withLock { $0.takeRuns(at: now) }
    }
}
