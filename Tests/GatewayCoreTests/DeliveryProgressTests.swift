import Foundation
import Testing

@testable import GatewayCore

/// The delivery schedule as a value, driven with a clock of the test's own.
@Suite struct DeliveryProgressTests {
    let start = Date(timeIntervalSince1970: 1_764_651_600)
    let schedule = DeliverySchedule(waits: [.seconds(5), .seconds(30), .seconds(120)])

    @Test func theScheduleParsesAndPrintsAsWritten() throws {
        #expect(DeliverySchedule(text: "5s,30s,2m,10m,30m,1h,3h,6h") == .standard)
        #expect(DeliverySchedule.standard.description == "5s,30s,2m,10m,30m,1h,3h,6h")
        #expect(DeliverySchedule.standard.attempts == 9)
        #expect(DeliverySchedule(text: " 5s , 1m ")?.waits == [.seconds(5), .seconds(60)])
        for bad in ["", ",", "5s,,1m", "5s,banana", "0s", "-5s"] { #expect(DeliverySchedule(text: bad) == nil, "\(bad)") }
    }

    @Test func aNewDeliveryIsDueAtOnceAndA2xxEndsIt() {
        var progress = DeliveryProgress(createdAt: start)
        #expect(progress.isDue(at: start))
        let consequence = progress.record(.answered(status: 204, retryAfter: nil), at: start, schedule: schedule, jitter: 0.5)
        #expect(consequence == .none)
        #expect(progress.status == .delivered && progress.attempts == 1 && progress.lastStatus == 204)
        #expect(progress.nextAttemptAt == nil && !progress.isDue(at: start.addingTimeInterval(3600)))
    }

    @Test func failuresWaitTheScheduleThenTheDeliveryIsDead() {
        var progress = DeliveryProgress(createdAt: start)
        var now = start
        for wait in [5.0, 30, 120] {
            progress.record(.answered(status: 500, retryAfter: nil), at: now, schedule: schedule, jitter: 0.5)
            #expect(progress.status == .pending)
            #expect(progress.nextAttemptAt == now.addingTimeInterval(wait))
            #expect(!progress.isDue(at: now.addingTimeInterval(wait - 0.001)))
            now = now.addingTimeInterval(wait)
            #expect(progress.isDue(at: now))
        }
        progress.record(.noAnswer("no answer within 10s"), at: now, schedule: schedule, jitter: 0.5)
        #expect(progress.status == .dead && progress.attempts == 4 && progress.nextAttemptAt == nil)
        #expect(progress.lastStatus == 500 && progress.lastError == "no answer within 10s")
    }

    @Test func jitterSpreadsAWaitByATenthEitherWay() {
        for (jitter, seconds) in [(0.0, 4.5), (1.0, 5.5), (0.5, 5.0), (-3.0, 4.5), (9.0, 5.5)] {
            var progress = DeliveryProgress(createdAt: start)
            progress.record(.noAnswer("refused"), at: start, schedule: schedule, jitter: jitter)
            #expect(abs(progress.nextAttemptAt!.timeIntervalSince(start) - seconds) < 0.000_001, "\(jitter)")
        }
    }

    /// 429 and 503 with Retry-After wait at least that long, but never past the schedule's longest wait; other
    /// statuses' Retry-After is not read.
    @Test func retryAfterIsHonouredOn429And503UpToTheLongestWait() {
        func wait(_ status: Int, _ after: Duration?) -> TimeInterval {
            var progress = DeliveryProgress(createdAt: start)
            progress.record(.answered(status: status, retryAfter: after), at: start, schedule: schedule, jitter: 0.5)
            return progress.nextAttemptAt!.timeIntervalSince(start)
        }
        #expect(wait(429, .seconds(60)) == 60)
        #expect(wait(503, .seconds(60)) == 60)
        #expect(wait(429, .seconds(1)) == 5)
        #expect(wait(429, .seconds(86_400)) == 120)
        #expect(wait(500, .seconds(60)) == 5)
    }

    @Test func a410KillsTheDeliveryAndDisablesTheSubscription() {
        var progress = DeliveryProgress(createdAt: start)
        let consequence = progress.record(.answered(status: 410, retryAfter: nil), at: start, schedule: schedule, jitter: 0.5)
        #expect(consequence == .disableSubscription)
        #expect(progress.status == .dead && progress.lastStatus == 410)
    }

    @Test func retryingADeadDeliveryStartsANewRoundAndNothingElseIsRetried() {
        var progress = DeliveryProgress(createdAt: start)
        var retried = progress.retry(at: start)
        #expect(!retried, "a pending delivery is not retried")
        for _ in 0..<4 { progress.record(.noAnswer("refused"), at: start, schedule: schedule, jitter: 0.5) }
        #expect(progress.status == .dead)
        let later = start.addingTimeInterval(86_400)
        retried = progress.retry(at: later)
        #expect(retried)
        #expect(progress.status == .pending && progress.attempts == 0 && progress.isDue(at: later))
        progress.record(.answered(status: 200, retryAfter: nil), at: later, schedule: schedule, jitter: 0.5)
        retried = progress.retry(at: later)
        #expect(!retried, "a delivered one is not sent again")
    }
}
