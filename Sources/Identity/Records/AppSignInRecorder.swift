/// Writes app login records (應用服務登入紀錄) off the request path: a sign-in only appends to memory, and the
/// records are written every `window` in chunks of `chunkSize`, one short transaction (one multi-row INSERT)
/// per chunk, so that a backlog never holds the database's writer for long. At 08:00 a school's sign-ins
/// then cost one write a second instead of one each.
///
/// A clean shutdown writes what is waiting (`run` flushes before it returns). A crash loses at most the records
/// of the last window, or, while the database refuses writes, everything still waiting. A batch the database
/// refuses is kept and tried again with the next one; past `maxPending` records the oldest are dropped (and
/// counted), so a long database outage cannot exhaust memory.
public actor AppSignInRecorder {
    /// Rows per INSERT (five values each, well inside SQLite's and PostgreSQL's bind limits).
    static let chunkSize = 200
    private let store: any LoginRecordStore
    private let window: Duration
    private let maxPending: Int
    private var pending: [AppSignIn] = []
    private var dropped = 0
    private var flushing = false
    private let onError: @Sendable (_ error: any Error, _ waiting: Int, _ dropped: Int) -> Void

    public init(
        store: any LoginRecordStore, window: Duration, maxPending: Int = 100_000,
        onError: @escaping @Sendable (_ error: any Error, _ waiting: Int, _ dropped: Int) -> Void = { _, _, _ in }
    ) {
        self.store = store
        self.window = window
        self.maxPending = maxPending
        self.onError = onError
    }

    /// Queues one record; returns at once.
    public func record(_ signIn: AppSignIn) {
        pending.append(signIn)
        trim()
    }

    /// Drops the oldest records beyond `maxPending`, a tenth at a time, so that an outage does not make every
    /// sign-in shift the whole array.
    private func trim() {
        guard pending.count > maxPending else { return }
        let excess = min(pending.count, pending.count - maxPending + maxPending / 10)
        pending.removeFirst(excess)
        dropped += excess
    }

    /// How many records wait to be written.
    public var waiting: Int { pending.count }

    /// Writes everything waiting now; true when nothing is left waiting.
    @discardableResult
    public func flush() async -> Bool {
        // One flush at a time: a second caller would write the same records again.
        guard !flushing, !pending.isEmpty else { return pending.isEmpty }
        flushing = true
        defer { flushing = false }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        var written = 0
        do {
            // Each chunk commits whole or not at all, and only unwritten chunks are kept: a retry never writes a
            // record twice.
            while written < batch.count {
                let end = min(written + Self.chunkSize, batch.count)
                try await store.recordAppSignIns(Array(batch[written..<end]))
                written = end
            }
            return pending.isEmpty
        } catch {
            // The rest is kept for the next flush, in order, ahead of what arrived meanwhile.
            pending = Array(batch[written...]) + pending
            trim()
            onError(error, pending.count, dropped)
            return false
        }
    }

    /// Flushes every `window` until `isDone` says so, then flushes what is left. `pause` waits one window (the
    /// server's version returns early when shutdown begins).
    public func run(pause: @Sendable (Duration) async -> Void, until isDone: @Sendable () -> Bool) async {
        while !isDone() {
            await pause(window)
            await flush()
        }
        // Shutting down: a few tries, so that a short database hiccup at exit loses nothing.
        for _ in 0..<3 where await !flush() {
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}
