import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

extension FirstHour {
    /// Issue 19, item 9: when the gateway chooses the location (the key's one location, `X-Location-Id`, the one
    /// connection) it also tells HighLevel, where the operation reads it; the sandbox, like HighLevel, answers 422
    /// without it.
    @Suite struct ChosenLocationTests {
        @Test func theChosenLocationReachesHighLevelInTheQueryOrTheBody() async throws {
            var options = TestGateway.Options()
            options.sandboxLocations = ["loc-sandbox", "loc-east"]
            try await withGateway(options) { gw in
                let token = gw.sandbox.issuePrivateIntegrationToken(locationId: "loc-east")
                _ = try await gw.gateway.connections.addPrivateToken(locationId: "loc-east", token: token, by: .operator)
                let east = try await gw.makeKey(role: "editor", locations: ["loc-east"])

                // The key's one location: the query of GET /contacts/ and the body of search and create.
                let listed = try await gw.call("GET", "/contacts/", key: east.key)
                #expect(listed.status == 200, "\(listed.text)")
                let searched = try await gw.call("POST", "/contacts/search", key: east.key, json: #"{"pageLimit":2}"#)
                #expect(searched.status == 200, "\(searched.text)")
                let created = try await gw.call("POST", "/contacts/", key: east.key, json: #" { "firstName":"Eve" }"#)
                #expect(created.status == 201, "\(created.text)")
                let contact = try #require((try created.json()["contact"] as? [String: Any]))
                #expect(contact["locationId"] as? String == "loc-east", "\(contact)")
                let empty = try await gw.call("POST", "/contacts/upsert", key: east.key, json: #"{}"#)
                #expect(empty.status == 200, "\(empty.text)")

                // X-Location-Id, for a key of every location.
                let byHeader = try await gw.call("GET", "/contacts/?limit=1", headers: [("X-Location-Id", "loc-east")])
                #expect(byHeader.status == 200, "\(byHeader.text)")
                // What the caller named is sent as it was: no second locationId.
                let named = try await gw.call("GET", "/contacts/?locationId=loc-sandbox&limit=1")
                #expect(named.status == 200, "\(named.text)")
                // The audit record names the chosen location.
                let trail = try await gw.call("GET", "/admin/v1/audit?route=GET%20/contacts/&limit=5", key: gw.adminKey).json()
                let records = try #require(trail["records"] as? [[String: Any]])
                #expect(records.contains { $0["locationId"] as? String == "loc-east" && $0["status"] as? Int == 200 })
            }
        }

        @Test func placingTheLocation() {
            let query = LocationPlacement.query(QueryString(raw: "limit=1")!, placing: "loc-a")
            #expect(query.raw == "limit=1&locationId=loc-a")
            #expect(LocationPlacement.query(QueryString(raw: "")!, placing: "loc-a").raw == "locationId=loc-a")
            #expect(LocationPlacement.query(QueryString(raw: "locationId=x")!, placing: "loc-a").raw == "locationId=x")
            func body(_ text: String, present: Bool = false) -> String {
                String(decoding: LocationPlacement.body(Array(text.utf8), placing: "loc-a", present: present), as: UTF8.self)
            }
            #expect(body("") == #"{"locationId":"loc-a"}"#)
            #expect(body(" {} ") == #" {"locationId":"loc-a"} "#)
            #expect(body(#"{"pageLimit":2}"#) == #"{"locationId":"loc-a","pageLimit":2}"#)
            #expect(body("\n{ \"q\": 1 }") == "\n{\"locationId\":\"loc-a\", \"q\": 1 }")
            #expect(body(#"{"locationId":"x"}"#, present: true) == #"{"locationId":"x"}"#)
            #expect(body("[1,2]") == "[1,2]")
        }
    }
}
