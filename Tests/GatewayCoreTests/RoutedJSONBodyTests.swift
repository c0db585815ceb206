import Foundation
import GatewayCore
import Testing

@Suite struct RoutedJSONBodyTests {
    private func read(_ text: String) throws(RoutedJSONBody.Failure) -> String? {
        try RoutedJSONBody(Array(text.utf8)).locationId
    }

    @Test func findsTheTopLevelLocationOnly() throws {
        #expect(try read(#"{"locationId":"loc-a","firstName":"Ada"}"#) == "loc-a")
        #expect(try read(#"  {"a":{"locationId":"deep"},"locationId":"top"}  "#) == "top")
        #expect(try read(#"{"a":{"locationId":"deep"}}"#) == nil)
        #expect(try read(#"[{"locationId":"in-array"}]"#) == nil)
        #expect(try read(#""just a string""#) == nil)
        #expect(try read(#"{"locationId":"l\u006fc"}"#) == "loc")
        #expect(try read("{}") == nil)
    }

    @Test func refusesDuplicateKeysAtAnyDepth() {
        #expect(throws: RoutedJSONBody.Failure.duplicateKey("locationId", path: "$")) {
            try read(#"{"locationId":"A","locationId":"B"}"#)
        }
        // The same key spelled with an escape is the same key to every parser.
        #expect(throws: RoutedJSONBody.Failure.duplicateKey("locationId", path: "$")) {
            try read(#"{"locationId":"A","l\u006fcationId":"B"}"#)
        }
        #expect(throws: RoutedJSONBody.Failure.duplicateKey("field", path: "$.filters[1]")) {
            try read(#"{"filters":[{"field":1},{"field":1,"field":2}]}"#)
        }
        // The same key in sibling objects is not a duplicate.
        #expect(throws: Never.self) { try read(#"{"a":{"x":1},"b":{"x":1}}"#) }
    }

    @Test func refusesALocationIdThatIsNotAString() {
        for body in [#"{"locationId":7}"#, #"{"locationId":null}"#, #"{"locationId":["a"]}"#] {
            #expect(throws: RoutedJSONBody.Failure.locationIdNotString, "\(body)") { try read(body) }
        }
    }

    /// What Foundation's parser takes, this one takes too, and what it refuses, this one refuses (but for trailing commas).
    @Test func agreesWithFoundationOnValidAndInvalidJSON() throws {
        let valid = [
            "0", "-0", "1.5e10", "-12.34E-5", "true", "false", "null", #""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#,
            "[]", "[1,[2,[3]]]", #"{"a":[],"b":{},"c":"é"}"#, " \t\r\n[ 1 , 2 ] ", #"{"":1}"#,
        ]
        for text in valid {
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil, "\(text)")
            #expect(throws: Never.self, "\(text)") { try read(text) }
        }
        let invalid = [
            "", " ", "{", "}", "01", "1.", ".5", "-", "+1", "1e", "tru", "nul", "True",
            #"{"a" 1}"#, #"{a:1}"#, "[1 2]", #""unterminated"#, #""bad \x escape""#, #""\u12g4""#, "\"tab\there\"",
            "1 2", #"{"a":1}x"#, "'single'", "[1]]",
        ]
        for text in invalid {
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) == nil, "\(text)")
            #expect(throws: RoutedJSONBody.Failure.self, "\(text)") { try read(text) }
        }
        // Trailing commas: Foundation's parser takes them, RFC 8259 and HighLevel's `JSON.parse` do not.
        for text in ["[1,]", #"{"a":1,}"#] {
            #expect(throws: RoutedJSONBody.Failure.self, "\(text)") { try read(text) }
        }
        // Bytes that are not UTF-8.
        #expect(throws: RoutedJSONBody.Failure.self) { try RoutedJSONBody([0x22, 0xFF, 0x22]) }
    }

    @Test func boundsNestingDepth() {
        let deep = String(repeating: "[", count: RoutedJSONBody.maximumDepth + 1)
            + String(repeating: "]", count: RoutedJSONBody.maximumDepth + 1)
        #expect(throws: RoutedJSONBody.Failure.self) { try read(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try read(fine) }
    }
}
