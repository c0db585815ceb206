/// A scripted misbehaviour for requests whose path starts with `pathPrefix` (and whose method matches,
/// when `method` is set). Faults are consumed in the order they were added; each fires `times` times.
///
/// - Only `delayMilliseconds`: the request waits, then is handled normally.
/// - `status` (with optional `body`/`headers`): that response is returned instead of the real one.
/// - `drop`: the TCP connection is closed without writing any response bytes.
///
/// `/_sandbox/` control routes are never faulted, so a test can always clear faults.
public struct SandboxFault: Sendable, Codable, Hashable {
    public var method: String?
    public var pathPrefix: String
    public var status: Int?
    public var body: String?
    public var headers: [String: String]?
    public var delayMilliseconds: Int?
    public var drop: Bool?
    public var times: Int

    public init(
        method: String? = nil,
        pathPrefix: String,
        status: Int? = nil,
        body: String? = nil,
        headers: [String: String]? = nil,
        delayMilliseconds: Int? = nil,
        drop: Bool? = nil,
        times: Int = 1
    ) {
        self.method = method
        self.pathPrefix = pathPrefix
        self.status = status
        self.body = body
        self.headers = headers
        self.delayMilliseconds = delayMilliseconds
        self.drop = drop
        self.times = times
    }

    private enum CodingKeys: String, CodingKey {
        case method, pathPrefix, status, body, headers, delayMilliseconds, drop, times
    }

    // `times` may be left out of the JSON posted to /_sandbox/faults; one shot is the useful default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.method = try c.decodeIfPresent(String.self, forKey: .method)
        self.pathPrefix = try c.decode(String.self, forKey: .pathPrefix)
        self.status = try c.decodeIfPresent(Int.self, forKey: .status)
        self.body = try c.decodeIfPresent(String.self, forKey: .body)
        self.headers = try c.decodeIfPresent([String: String].self, forKey: .headers)
        self.delayMilliseconds = try c.decodeIfPresent(Int.self, forKey: .delayMilliseconds)
        self.drop = try c.decodeIfPresent(Bool.self, forKey: .drop)
        self.times = try c.decodeIfPresent(Int.self, forKey: .times) ?? 1
    }

    func matches(method: String, path: String) -> Bool {
        if let wanted = self.method, wanted.uppercased() != method.uppercased() { return false }
        return path.hasPrefix(pathPrefix)
    }
}
