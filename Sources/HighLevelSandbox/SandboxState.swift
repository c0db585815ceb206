/// Everything mutable in the sandbox, kept in one value behind one lock so that auth, rate limiting,
/// the state change and the counters of a request happen atomically.
struct SandboxState {
    var oauth = OAuthState()
    var contacts = ContactStore()
    var limiter: RateLimiter
    var faults: [SandboxFault] = []
    var stats = SandboxStats()
    /// Known locations and whether each is active.
    var locations: [String: Bool] = [:]

    init(limit: SandboxRateLimit?) {
        self.limiter = RateLimiter(limit: limit)
    }

    /// The first matching fault with shots left; consuming one shot, and dropping the fault when spent.
    mutating func takeFault(method: String, path: String) -> SandboxFault? {
        guard let index = faults.firstIndex(where: { $0.times > 0 && $0.matches(method: method, path: path) }) else {
            return nil
        }
        let fault = faults[index]
        faults[index].times -= 1
        if faults[index].times <= 0 { faults.remove(at: index) }
        stats.faultsInjected += 1
        return fault
    }
}
