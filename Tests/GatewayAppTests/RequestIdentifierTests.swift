@testable import GatewayApp
import Testing

@Suite("Request ids")
struct RequestIdentifierTests {
    @Test("New ids are 20 alphanumerics, share the process prefix, and never repeat")
    func newIdsAreUnique() {
        var seen = Set<String>()
        let count = 200_000
        for _ in 0..<count {
            let id = RequestIdentifier.make()
            #expect(id.utf8.count == 20)
            #expect(id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a) })
            seen.insert(id)
        }
        #expect(seen.count == count)
        #expect(Set(seen.map { $0.prefix(8) }).count == 1)
    }

    @Test("Consecutive counters do not give neighbouring ids")
    func idsDoNotCount() {
        let a = RequestIdentifier.scramble(1)
        let b = RequestIdentifier.scramble(2)
        #expect((a ^ b).nonzeroBitCount > 16)
    }

    @Test("A caller's well-formed id is kept; a malformed or overlong one is replaced")
    func presentedIds() {
        #expect(RequestIdentifier.accept("trace-42.a:b") == "trace-42.a:b")
        #expect(RequestIdentifier.accept("bad id") == nil)
        #expect(RequestIdentifier.accept(String(repeating: "a", count: 129)) == nil)
        #expect(RequestIdentifier.accept("") == nil)
    }
}
