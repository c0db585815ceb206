import Foundation
import Testing

@testable import GatewayCore

@Suite struct TokenLifecycleTests {
    let clock = ManualWallClock()
    let lifecycle = TokenLifecycle()

    func connection(lifetime: TimeInterval, refreshToken: String? = "r1", kind: Connection.Kind = .oauth) -> Connection {
        let now = clock.now()
        return Connection(
            locationId: "loc", kind: kind, accessToken: "a1", refreshToken: refreshToken, accessTokenIssuedAt: now,
            accessTokenExpiresAt: now.addingTimeInterval(lifetime), createdAt: now, updatedAt: now)
    }

    @Test func dayLongTokenIsRefreshedInItsLastTenMinutes() {
        let token = connection(lifetime: 86_399)
        #expect(lifecycle.decide(token, now: clock.now()) == .use)
        clock.advance(by: 86_399 - 601)
        #expect(lifecycle.decide(token, now: clock.now()) == .use)
        clock.advance(by: 2)
        #expect(lifecycle.decide(token, now: clock.now()) == .useAndRefresh)
        clock.advance(by: 600 - 30)
        #expect(lifecycle.decide(token, now: clock.now()) == .refreshFirst)
    }

    @Test func marginScalesWithShortLifetimes() {
        let token = connection(lifetime: 10)
        clock.advance(by: 8.9)
        #expect(lifecycle.decide(token, now: clock.now()) == .use)
        clock.advance(by: 0.2)
        #expect(lifecycle.decide(token, now: clock.now()) == .useAndRefresh)
        clock.advance(by: 0.75)
        #expect(lifecycle.decide(token, now: clock.now()) == .refreshFirst)
    }

    @Test func privateTokensNeverRefresh() {
        var token = connection(lifetime: 1, refreshToken: nil, kind: .privateToken)
        token.accessTokenExpiresAt = nil
        clock.advance(by: 1_000_000)
        #expect(lifecycle.decide(token, now: clock.now()) == .use)
    }

    @Test func deadConnectionsAreUnusable() {
        var token = connection(lifetime: 100)
        token.status = .needsAuthorization
        guard case .unusable(let error) = lifecycle.decide(token, now: clock.now()) else {
            Issue.record("usable"); return
        }
        #expect(error.status == 503)
        #expect(error.detail.contains("authorize it again"))
    }

    @Test func expiredWithoutRefreshTokenNeedsAuthorization() {
        let token = connection(lifetime: 10, refreshToken: nil)
        clock.advance(by: 11)
        guard case .unusable = lifecycle.decide(token, now: clock.now()) else { Issue.record("usable"); return }
    }

    @Test func backoffDoublesToItsCapAndInactiveLocationsWaitLonger() {
        let transient = TokenEndpointError.transient("503")
        #expect(lifecycle.retryDelay(afterFailures: 1, error: transient) == 1)
        #expect(lifecycle.retryDelay(afterFailures: 2, error: transient) == 2)
        #expect(lifecycle.retryDelay(afterFailures: 4, error: transient) == 8)
        #expect(lifecycle.retryDelay(afterFailures: 30, error: transient) == 60)
        #expect(lifecycle.retryDelay(afterFailures: 1, error: .locationNotActive("x")) == 60)
    }
}
