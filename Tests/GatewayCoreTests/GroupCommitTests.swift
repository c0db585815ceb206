import Foundation
import GatewayCore
import Synchronization
import Testing

/// Callers' writes share commits, each caller gets its own outcome, and an item that cannot be written fails alone.
@Suite struct GroupCommitTests {
    /// What the commit function saw: the batches it committed (a throwing call commits nothing).
    final class Ledger: Sendable {
        let batches = Mutex<[[Int]]>([])
        let calls = Atomic<Int>(0)
    }

    @Test func concurrentCallersShareCommitsAndGetTheirOwnOutcomes() async throws {
        let ledger = Ledger()
        let commits = GroupCommit<Int, String>(label: "test") { items in
            // The first commit is slow, as an fsync can be: everyone who arrives meanwhile waits for the next one.
            if ledger.calls.add(1, ordering: .relaxed).oldValue == 0 { Thread.sleep(forTimeInterval: 0.3) }
            ledger.batches.withLock { $0.append(items) }
            return items.map { "done \($0)" }
        }
        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for item in 0..<200 { group.addTask { (item, try await commits.submit(item)) } }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 200)
        #expect(answers.allSatisfy { $0.value == "done \($0.key)" })
        let batches = ledger.batches.withLock { $0 }
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<200), "each item committed exactly once")
        #expect(batches.count <= 10, "\(batches.map(\.count))")
        #expect(batches.contains { $0.count > 1 })
    }

    struct Refused: Error, Equatable { let item: Int }

    @Test func anItemThatCannotBeWrittenFailsAloneAndTheOthersCommit() async throws {
        let ledger = Ledger()
        let commits = GroupCommit<Int, Int>(label: "test") { items in
            if ledger.calls.add(1, ordering: .relaxed).oldValue == 0 { Thread.sleep(forTimeInterval: 0.3) }
            // All or nothing, as a transaction is.
            if let bad = items.first(where: { $0 % 10 == 7 }) { throw Refused(item: bad) }
            ledger.batches.withLock { $0.append(items) }
            return items.map { $0 * 2 }
        }
        let results = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            for item in 0..<50 {
                group.addTask {
                    do { return (item, .success(try await commits.submit(item))) } catch { return (item, .failure(error)) }
                }
            }
            return await group.reduce(into: [Int: Result<Int, any Error>]()) { $0[$1.0] = $1.1 }
        }
        for (item, result) in results {
            switch result {
            case .success(let doubled):
                #expect(item % 10 != 7 && doubled == item * 2)
            case .failure(let error):
                #expect(item % 10 == 7 && (error as? Refused) == Refused(item: item), "\(item): \(error)")
            }
        }
        #expect(results.count == 50)
        let committed = ledger.batches.withLock { $0.flatMap { $0 } }
        #expect(committed.sorted() == (0..<50).filter { $0 % 10 != 7 })
    }

    @Test func aCommitThatAnswersTooFewOutcomesIsAnError() async throws {
        let commits = GroupCommit<Int, Int>(label: "test") { _ in [] }
        await #expect(throws: GroupCommit<Int, Int>.OutcomeCountMismatch.self) { try await commits.submit(1) }
    }
}
