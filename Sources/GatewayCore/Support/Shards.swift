import Synchronization

/// State split over several locks by key, so callers with different keys rarely wait for each other.
/// (A `Mutex` cannot sit in an array itself: it is not copyable.)
final class Shards<Value: Sendable>: Sendable {
    private final class Shard: Sendable {
        let state: Mutex<Value>
        init(_ value: sending Value) { state = Mutex(value) }
    }

    private let shards: [Shard]

    init(count: Int, initial: () -> Value) {
        shards = (0..<max(1, count)).map { _ in Shard(initial()) }
    }

    /// Runs `body` under the lock of the shard that holds `key`.
    func withLock<Result: Sendable>(for key: String, _ body: (inout sending Value) -> Result) -> Result {
        shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))].state.withLock { body(&$0) }
    }

    /// Runs `body` under each shard's lock in turn (never two at once).
    func eachLocked<Result: Sendable>(_ body: (inout sending Value) -> Result) -> [Result] {
        shards.map { shard in shard.state.withLock { body(&$0) } }
    }
}
