import Foundation

/// A one-time `state` for the OAuth authorization code flow, issued by `connections authorize-url`.
public struct AuthorizationState: Sendable, Equatable {
    public var state: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(state: String, createdAt: Date, expiresAt: Date) {
        self.state = state
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
