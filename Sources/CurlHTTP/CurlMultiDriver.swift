import CCurl
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bridges async callers to the single thread that owns the curl multi handle.
///
/// Callers only ever touch `state` (under its mutex) and `curl_multi_wakeup`, the one multi
/// function libcurl documents as callable from other threads. Everything else, including every
/// easy handle, belongs to the driver thread (``CurlDriverLoop``).
///
/// The wake-up is a system call (a write to curl's socket pair), so it is made after the lock is released: made under
/// it, every other caller and the driver queued behind that call (`Mutex._lockSlow` was 3 % of the Swift pool's
/// samples). `wakersInFlight` keeps the multi handle alive for those calls: a caller counts itself in under the lock,
/// only while not shut down, and the driver frees the handle once shut down and the count is back at zero.
///
/// Exactly-once resumption: a continuation lives in `state.waiting` until someone removes it
/// under the lock (completion, cancellation or shutdown); only the remover resumes it.
final class CurlMultiDriver: Sendable {
    typealias Continuation = CheckedContinuation<CurlResponse, any Error>

    struct Submission: Sendable {
        var id: UInt64
        var request: CurlRequest
    }

    struct Work {
        var submissions: [Submission]
        var cancellations: [UInt64]
    }

    private struct State {
        var waiting: [UInt64: Continuation] = [:]
        var submissions: [Submission] = []
        var cancellations: [UInt64] = []
        /// A `curl_multi_wakeup` was sent and the driver has not taken its work since: later submissions ride on it.
        /// (curl remembers a wakeup sent while the driver is not yet polling, so none is lost.)
        var wakeupPending = false
        /// Once set, nobody calls `curl_multi_wakeup` again, so the driver thread may
        /// clean up the multi handle without racing a waker.
        var isShutdown = false
    }

    let configuration: CurlHTTPClient.Configuration
    private let state = Mutex(State())
    private let nextID = Atomic<UInt64>(0)
    /// Callers between taking the right to wake the driver (under the lock) and returning from `curl_multi_wakeup`.
    private let wakersInFlight = Atomic<Int>(0)
    /// Shared across threads only for `curl_multi_wakeup` (documented thread-safe), and only
    /// while `state.isShutdown` is false, checked under the lock; all other use is on the driver thread.
    nonisolated(unsafe) let multi: UnsafeMutableRawPointer
    private let thread = Mutex<pthread_t?>(nil)

    init(configuration: CurlHTTPClient.Configuration) throws(CurlError) {
        self.configuration = configuration
        guard let multi = curl_multi_init() else {
            throw CurlError(kind: .other, message: "curl_multi_init failed", requestMayHaveReachedServer: false)
        }
        self.multi = multi
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(configuration.maxConnectionsPerHost, 1))
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(configuration.maxTotalConnections, 1))
        // Size of the idle keep-alive pool; curl's default (4 x added handles) is too small
        // to keep a burst's connections for the next burst.
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(configuration.maxTotalConnections, 1))

        let box = Unmanaged.passRetained(CurlDriverThreadContext(driver: self)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, curlDriverThreadMain, box)
        guard rc == 0 else {
            Unmanaged<CurlDriverThreadContext>.fromOpaque(box).release()
            curl_multi_cleanup(multi)
            throw CurlError(kind: .other, message: "pthread_create failed (\(rc))", requestMayHaveReachedServer: false)
        }
        thread.withLock { $0 = tid }
    }

    // MARK: Caller side

    func execute(_ request: CurlRequest) async throws -> CurlResponse {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Continuation) in
                let outcome: Result<Bool, any Error> = state.withLock { state in
                    if state.isShutdown {
                        return .failure(CurlError(kind: .shutdown, message: "client is shut down",
                                                  requestMayHaveReachedServer: false))
                    }
                    // onCancel may already have run and found nothing to cancel; the flag it
                    // raced with is visible here, so the request is never enqueued.
                    if Task.isCancelled {
                        return .failure(CancellationError())
                    }
                    state.waiting[id] = continuation
                    state.submissions.append(Submission(id: id, request: request))
                    return .success(takeWake(&state))
                }
                switch outcome {
                case .success(let mustWake): if mustWake { wakeDriver() }
                case .failure(let rejection): continuation.resume(throwing: rejection)
                }
            }
        } onCancel: {
            self.cancel(id)
        }
    }

    private func cancel(_ id: UInt64) {
        let (continuation, mustWake) = state.withLock { state -> (Continuation?, Bool) in
            guard let continuation = state.waiting.removeValue(forKey: id) else { return (nil, false) }
            // If the driver has not picked the submission up yet it will skip it (it is no
            // longer waiting) and ignore this unknown id.
            state.cancellations.append(id)
            return (continuation, takeWake(&state))
        }
        if mustWake { wakeDriver() }
        continuation?.resume(throwing: CancellationError())
    }

    /// Under the lock, with `state` not shut down: whether this caller is the one to wake the driver (none is pending
    /// yet). If so it is counted in `wakersInFlight`, and must call ``wakeDriver()`` once the lock is released.
    private func takeWake(_ state: inout State) -> Bool {
        guard !state.wakeupPending else { return false }
        state.wakeupPending = true
        wakersInFlight.add(1, ordering: .relaxed)
        return true
    }

    private func wakeDriver() {
        curl_multi_wakeup(multi)
        wakersInFlight.subtract(1, ordering: .releasing)
    }

    /// On the driver thread, once shut down (so nobody is counted in any more): waits out the wake-ups still being
    /// made, after which the multi handle may be freed.
    func waitForWakers() {
        while wakersInFlight.load(ordering: .acquiring) > 0 {
            sched_yield()
        }
    }

    func shutdown() {
        let pending = state.withLock { state -> [Continuation] in
            guard !state.isShutdown else { return [] }
            state.isShutdown = true
            curl_multi_wakeup(multi)
            let pending = Array(state.waiting.values)
            state.waiting.removeAll()
            state.submissions.removeAll()
            state.cancellations.removeAll()
            return pending
        }
        for continuation in pending {
            continuation.resume(throwing: CurlError(kind: .shutdown, message: "client was shut down"))
        }
        // Only the first caller gets the thread id, so the join happens exactly once.
        let tid = thread.withLock { tid -> pthread_t? in
            defer { tid = nil }
            return tid
        }
        if let tid {
            pthread_join(tid, nil)
        }
    }

    // MARK: Driver-thread side

    /// Returns `nil` once shut down. Submissions whose caller already went away are dropped here.
    func takeWork() -> Work? {
        state.withLock { state -> Work? in
            guard !state.isShutdown else { return nil }
            let submissions = state.submissions.filter { state.waiting[$0.id] != nil }
            let work = Work(submissions: submissions, cancellations: state.cancellations)
            state.wakeupPending = false
            state.submissions.removeAll(keepingCapacity: true)
            state.cancellations.removeAll(keepingCapacity: true)
            return work
        }
    }

    func complete(_ id: UInt64, with result: Result<CurlResponse, CurlError>) {
        complete([(id, result)])
    }

    /// Everything one pass of the driver finished, under one lock: the callers' tasks compete for it.
    func complete(_ results: [(id: UInt64, result: Result<CurlResponse, CurlError>)]) {
        guard !results.isEmpty else { return }
        let continuations = state.withLock { state in results.map { state.waiting.removeValue(forKey: $0.id) } }
        for (continuation, outcome) in zip(continuations, results) {
            continuation?.resume(with: outcome.result.mapError { $0 as any Error })
        }
    }
}

/// Carries the driver into the new thread through pthread's `void *` argument.
private final class CurlDriverThreadContext: Sendable {
    let driver: CurlMultiDriver
    init(driver: CurlMultiDriver) { self.driver = driver }
}

#if canImport(Darwin)
private func curlDriverThreadMain(_ raw: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
    runCurlDriverThread(raw)
    return nil
}
#else
private func curlDriverThreadMain(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    if let raw { runCurlDriverThread(raw) }
    return nil
}
#endif

private func runCurlDriverThread(_ raw: UnsafeMutableRawPointer) {
    #if os(Linux)
    // Otherwise it inherits the name of whichever thread created it (a Swift pool thread), and profiles and `top -H`
    // count libcurl's work as Swift's. (`pthread_setname_np` is not imported: it is declared only for _GNU_SOURCE.)
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    if fd >= 0 {
        _ = "curl-driver".withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
    #endif
    let context = Unmanaged<CurlDriverThreadContext>.fromOpaque(raw).takeRetainedValue()
    CurlDriverLoop(driver: context.driver).run()
}
