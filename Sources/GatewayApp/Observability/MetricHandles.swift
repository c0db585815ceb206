import Synchronization

/// Metric handles made once per label combination and kept: see `GatewayMetrics`.
final class MetricHandles<Labels: Hashable & Sendable, Handles: Sendable>: Sendable {
    private let handles = Mutex<[Labels: Handles]>([:])

    func get(_ labels: Labels, make: (Labels) -> Handles) -> Handles {
        if let existing = handles.withLock({ $0[labels] }) { return existing }
        let made = make(labels)
        return handles.withLock { stored in
            if let existing = stored[labels] { return existing }
            stored[labels] = made
            return made
        }
    }
}
