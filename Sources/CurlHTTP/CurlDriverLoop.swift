import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The body of the driver thread: the only code that touches the multi handle (apart from
/// `curl_multi_wakeup`) and any easy handle. Created on that thread and never shared.
final class CurlDriverLoop {
    /// Idle easy handles kept for reuse; beyond this they are freed. Connections are unaffected:
    /// they live in the multi handle's pool, not in the easy handles.
    private static let maxIdleHandles = 32
    /// Upper bound for one `curl_multi_poll`; curl shortens it to its own next timer, and
    /// submissions/cancellations interrupt it via `curl_multi_wakeup`.
    private static let pollTimeoutMs: Int32 = 1000

    private let driver: CurlMultiDriver
    private let multi: UnsafeMutableRawPointer
    private var transfersByHandle: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var transfersByID: [UInt64: CurlTransfer] = [:]
    private var idleHandles: [CurlEasyHandle] = []

    init(driver: CurlMultiDriver) {
        self.driver = driver
        self.multi = driver.multi
    }

    func run() {
        while let work = driver.takeWork() {
            for id in work.cancellations {
                if let transfer = transfersByID[id] {
                    detach(transfer)
                }
            }
            for submission in work.submissions {
                start(submission)
            }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            drainCompleted()
            var ready: Int32 = 0
            if curl_multi_poll(multi, nil, 0, Self.pollTimeoutMs, &ready) != CURLM_OK {
                // Should not happen; back off so a persistent failure cannot spin a core.
                usleep(10_000)
            }
        }
        tearDown()
    }

    private func start(_ submission: CurlMultiDriver.Submission) {
        let easy: CurlEasyHandle
        if let idle = idleHandles.popLast() {
            easy = idle
        } else {
            do {
                easy = try CurlEasyHandle(
                    configuration: driver.configuration,
                    writeCallback: CurlTransfer.writeCallback,
                    headerCallback: CurlTransfer.headerCallback)
            } catch {
                var error = error
                error.requestMayHaveReachedServer = false
                driver.complete(submission.id, with: .failure(error))
                return
            }
        }
        let transfer = CurlTransfer(id: submission.id, easy: easy, maxResponseBytes: driver.configuration.maxResponseBytes)
        do {
            try easy.configure(for: submission.request, userdata: transfer.userdata)
        } catch {
            var error = error
            error.requestMayHaveReachedServer = false
            recycle(easy)
            driver.complete(submission.id, with: .failure(error))
            return
        }
        let code = curl_multi_add_handle(multi, easy.raw)
        guard code == CURLM_OK else {
            recycle(easy)
            driver.complete(submission.id, with: .failure(CurlError(
                kind: .other, message: String(cString: curl_multi_strerror(code)),
                requestMayHaveReachedServer: false)))
            return
        }
        transfersByHandle[easy.raw] = transfer
        transfersByID[transfer.id] = transfer
    }

    private func drainCompleted() {
        var finished: [(id: UInt64, result: Result<CurlResponse, CurlError>)] = []
        defer { driver.complete(finished) }
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            // Read before removing the handle: removal invalidates the message.
            let code = ccurl_msg_result(message)
            guard let transfer = transfersByHandle[handle] else {
                curl_multi_remove_handle(multi, handle)
                continue
            }
            let result = transfer.finish(code: code)
            detach(transfer)
            finished.append((transfer.id, result))
        }
    }

    /// Removes a transfer from the multi handle (closing its connection if it was mid-flight)
    /// and returns its easy handle to the free list.
    private func detach(_ transfer: CurlTransfer) {
        transfersByHandle[transfer.easy.raw] = nil
        transfersByID[transfer.id] = nil
        curl_multi_remove_handle(multi, transfer.easy.raw)
        recycle(transfer.easy)
    }

    private func recycle(_ easy: CurlEasyHandle) {
        easy.prepareForReuse()
        if idleHandles.count < Self.maxIdleHandles {
            idleHandles.append(easy)
        }
    }

    private func tearDown() {
        // Callers were already failed by `shutdown()`; this only releases resources.
        for transfer in Array(transfersByID.values) {
            transfersByHandle[transfer.easy.raw] = nil
            transfersByID[transfer.id] = nil
            curl_multi_remove_handle(multi, transfer.easy.raw)
        }
        idleHandles.removeAll()
        driver.waitForWakers()
        curl_multi_cleanup(multi)
    }
}

@available(*, unavailable)
extension CurlDriverLoop: Sendable {}
