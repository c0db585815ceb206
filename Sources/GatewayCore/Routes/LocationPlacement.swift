/// Where an operation tells HighLevel its location: the query's `locationId` (`GET /contacts/`) or the JSON body's
/// (`POST /contacts/search`). HighLevel answers 422 when it is missing, so when the gateway chose the location
/// itself (from `X-Location-Id`, the key's one location or the one connection) it writes it where the operation
/// reads it; a location the caller named stays exactly as the caller sent it.
public enum LocationPlacement: Sendable, Hashable {
    case query
    case body

    /// The query with `locationId` added, unless it has one.
    public static func query(_ query: QueryString, placing locationId: String) -> QueryString {
        guard query.value(of: "locationId") == nil else { return query }
        let pair = "locationId=" + locationId
        // A location id is letters, digits, `-` and `_` (PathIdentifier): nothing to percent-encode.
        return QueryString(raw: query.raw.isEmpty ? pair : query.raw + "&" + pair) ?? query
    }

    /// The JSON body with a top-level `"locationId"` added at the front of its object, unless it has one. An empty
    /// body becomes `{"locationId": …}`; a body that is not an object is left as it is (HighLevel says what is wrong).
    public static func body(_ body: [UInt8], placing locationId: String, present: Bool) -> [UInt8] {
        guard !present else { return body }
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
        let member = Array("\"locationId\":\"\(locationId)\"".utf8)
        guard let open = body.firstIndex(where: { !isBlank($0) }) else { return [UInt8(ascii: "{")] + member + [UInt8(ascii: "}")] }
        guard body[open] == UInt8(ascii: "{") else { return body }
        let next = body[(open + 1)...].firstIndex(where: { !isBlank($0) })
        let empty = next.map { body[$0] == UInt8(ascii: "}") } ?? true
        return Array(body[...open]) + member + (empty ? [] : [UInt8(ascii: ",")]) + Array(body[(open + 1)...])
    }
}
