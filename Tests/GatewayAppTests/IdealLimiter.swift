/// What a perfect limiter of `rate` per second and `burst` admits of requests arriving at `arrivals` (seconds,
/// ascending): a bucket of `burst` tokens refilled continuously. Written apart from the gateway's GCRA, so that tests
/// compare the gateway with the definition rather than with itself, over the arrivals the test really made (on a
/// loaded machine callers slow down, and a bucket that fills between them loses what overflows).
enum IdealLimiter {
    static func admitted(arrivals: [Double], rate: Double, burst: Double) -> Int {
        var tokens = burst
        var last = arrivals.first ?? 0
        var admitted = 0
        for at in arrivals {
            tokens = min(burst, tokens + (at - last) * rate)
            last = at
            if tokens >= 1 {
                tokens -= 1
                admitted += 1
            }
        }
        return admitted
    }
}
