/// The final (non-1xx) response of a transfer.
public struct CurlResponse: Sendable {
    public var status: Int
    /// Headers of the final response only, in wire order; interim 1xx responses and
    /// trailers are not included.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Case-insensitive lookup; returns the first matching header.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
