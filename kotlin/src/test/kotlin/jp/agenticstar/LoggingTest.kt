package jp.agenticstar

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.util.concurrent.CopyOnWriteArrayList
import java.util.logging.Handler
import java.util.logging.Level
import java.util.logging.LogRecord
import java.util.logging.Logger
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** The SDK's records reach SLF4J (here bound to java.util.logging) with no secret in them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoggingTest {
    private lateinit var emu: Emulator
    private val records = CopyOnWriteArrayList<LogRecord>()
    private val jul: Logger = Logger.getLogger("agenticstar")
    private val capture = object : Handler() {
        override fun publish(r: LogRecord) { records.add(r) }
        override fun flush() {}
        override fun close() {}
    }

    @BeforeAll fun start() {
        emu = Emulator()
        jul.level = Level.ALL
        jul.addHandler(capture)
        AgenticStarLogging.useSlf4j()
    }
    @AfterAll fun stop() {
        AgenticStarLogging.useHandler(null)
        jul.removeHandler(capture)
        emu.close()
    }

    @Test fun `a retry and a renewal are logged through SLF4J without secrets`() = runBlocking {
        emu.reset()
        emu.fault("""{"endpoint": "saas.token", "status": 503, "body": {"error": "temporarily_unavailable"}, "times": 1}""")
        Client(Provider.agenticstar(emu.url), Credentials("saas-cc-client", "saas-cc-secret"), ClientOptions(apiUrl = emu.url, initialBackoff = 0.01)).use { c ->
            val first = c.getToken().accessToken()
            emu.admin("POST", "/admin/revoke", """{"all": true}""")
            c.chat("hi")
            val second = c.getToken().accessToken()
            val text = records.joinToString("\n") { "${it.level} ${it.message}" }
            assertTrue(records.any { it.level == Level.WARNING && "retry 1" in it.message }, text)
            assertTrue(records.any { it.level == Level.INFO && "renewing the token" in it.message }, text)
            for (secret in listOf("saas-cc-secret", first, second)) assertFalse(secret in text, "a secret was logged: $text")
        }
    }
}
