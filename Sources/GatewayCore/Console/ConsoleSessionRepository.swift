import Foundation

/// Where console sessions are kept, so that they hold across restarts and across gateways on one database.
public protocol ConsoleSessionRepository: Sendable {
    /// Stores a new session; sessions that ended more than a day before it was made may go at the same time.
    func insertConsoleSession(_ session: ConsoleSession) async throws
    /// The session with this token hash, if it has not expired at `now`.
    func consoleSession(tokenHash: String, now: Date) async throws -> ConsoleSession?
    /// Ends a session (sign-out); `false` when there was none.
    @discardableResult
    func deleteConsoleSession(tokenHash: String) async throws -> Bool
}
