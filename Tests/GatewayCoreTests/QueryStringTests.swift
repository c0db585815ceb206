import Testing

@testable import GatewayCore

@Suite struct QueryStringTests {
    @Test func readsDecodedValuesAndKeepsTheRawText() throws {
        let query = try #require(QueryString(raw: "locationId=loc-1&number=%2B15551234&email=a%40b.c&q=tom+smith"))
        #expect(query.value(of: "locationId") == "loc-1")
        #expect(query.value(of: "number") == "+15551234")
        #expect(query.value(of: "email") == "a@b.c")
        #expect(query.value(of: "q") == "tom smith")
        #expect(query.raw == "locationId=loc-1&number=%2B15551234&email=a%40b.c&q=tom+smith")
    }

    @Test(arguments: ["a=%", "a=%zz", "a=b c", "a=b\"", "a=<x>", "a=b#c", "a=\u{0}", "a=é", "a=%FF%FE"])
    func refusesMalformedQueries(raw: String) {
        #expect(QueryString(raw: raw) == nil)
    }

    @Test func emptyQueryIsFine() throws {
        let query = try #require(QueryString(raw: ""))
        #expect(query.value(of: "locationId") == nil)
    }
}
