import GatewayCore
import ServiceLifecycle

/// Hands what the store's change feed reports to the parts that keep the store in memory: the key directory and the
/// token broker's connections.
struct StoreChangeFollower: Service {
    let feed: any StoreChangeFeed
    let directory: KeyDirectory
    let tokens: TokenBroker

    func run() async throws {
        let directory = directory
        let tokens = tokens
        await cancelWhenGracefulShutdown {
            await feed.follow { event in
                await directory.apply(event)
                switch event {
                case .following, .changed(.everything): await tokens.forgetAll()
                case .changed(.connection(let locationId)): await tokens.forget(locationId)
                case .interrupted, .changed(.key), .changed(.role): break
                }
            }
        }
    }
}
