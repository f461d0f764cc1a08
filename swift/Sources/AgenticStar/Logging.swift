import Foundation
#if canImport(os)
import os
#endif

/// The SDK's log records (token renewals, retries, licence back-off, store trouble; secrets
/// scrubbed by the core), to a closure or to `os.Logger`. Off until you choose one.
public enum AgenticStarLogging {
    private final class ClosureHandler: LogHandler, @unchecked Sendable {
        let body: @Sendable (LogLevel, String, String) -> Void
        init(_ body: @escaping @Sendable (LogLevel, String, String) -> Void) { self.body = body }
        func log(level: LogLevel, module: String, message: String) { body(level, module, message) }
    }

    /// Call `handler(level, module, message)` for each record up to `maxLevel`. It runs on SDK
    /// threads: return quickly and never wait for a thread that is calling into the SDK.
    public static func use(maxLevel: LogLevel = .info, _ handler: @escaping @Sendable (LogLevel, String, String) -> Void) {
        setLogHandler(handler: ClosureHandler(handler), maxLevel: maxLevel)
    }

    /// Stop logging.
    public static func disable() {
        setLogHandler(handler: nil, maxLevel: .error)
    }

    #if canImport(os)
    /// Records to the unified log (subsystem `jp.agenticstar`, category `agenticstar`).
    @available(macOS 11.0, iOS 14.0, tvOS 14.0, watchOS 7.0, *)
    public static func useOSLog(maxLevel: LogLevel = .info, subsystem: String = "jp.agenticstar") {
        let logger = Logger(subsystem: subsystem, category: "agenticstar")
        use(maxLevel: maxLevel) { level, _, message in
            switch level {
            case .error: logger.error("\(message, privacy: .public)")
            case .warn: logger.warning("\(message, privacy: .public)")
            case .info: logger.info("\(message, privacy: .public)")
            case .debug, .trace: logger.debug("\(message, privacy: .public)")
            }
        }
    }
    #endif
}
