import Foundation

public protocol AuthorizationStateRepository: Sendable {
    func insertAuthorizationState(_ state: AuthorizationState) async throws
    /// Atomically uses a state: returns it only if it exists, was never used and has not expired at `now`.
    func consumeAuthorizationState(hash: String, now: Date) async throws -> AuthorizationState?
}
