package jp.agenticstar

import org.slf4j.Logger
import org.slf4j.LoggerFactory

/**
 * The SDK's log records (token renewals, retries, licence back-off, store trouble; secrets
 * scrubbed by the core) through SLF4J, logger `agenticstar`. Call [useSlf4j] once at startup;
 * your SLF4J backend's configuration decides what is written.
 */
object AgenticStarLogging {
    private object Slf4jHandler : LogHandler {
        private val logger: Logger = LoggerFactory.getLogger("agenticstar")
        override fun log(level: LogLevel, module: String, message: String) = when (level) {
            LogLevel.ERROR -> logger.error(message)
            LogLevel.WARN -> logger.warn(message)
            LogLevel.INFO -> logger.info(message)
            LogLevel.DEBUG -> logger.debug(message)
            LogLevel.TRACE -> logger.trace(message)
        }
    }

    /** Send records up to [maxLevel] to SLF4J (the backend filters further). */
    fun useSlf4j(maxLevel: LogLevel = LogLevel.TRACE) = setLogHandler(Slf4jHandler, maxLevel)

    /** Send records to [handler] instead (null: no logging). */
    fun useHandler(handler: LogHandler?, maxLevel: LogLevel = LogLevel.TRACE) = setLogHandler(handler, maxLevel)
}
