package jp.agenticstar

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.io.File
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * `Client.fromEnv()` reads the `AGENTICSTAR_*` variables (the CLI's names). A JVM cannot set its
 * own environment, so each case runs [EnvProbe] in a child JVM with the variables given.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnvTest {
    private lateinit var emu: Emulator

    @BeforeAll fun start() { emu = Emulator() }
    @AfterAll fun stop() { emu.close() }

    private fun probe(case: String, vars: Map<String, String>): String {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val pb = ProcessBuilder(
            java, "-cp", System.getProperty("java.class.path"),
            "-Djna.library.path=" + System.getProperty("jna.library.path"),
            "jp.agenticstar.EnvProbe", case,
        ).redirectErrorStream(true)
        pb.environment().keys.removeIf { it in ENV_VARS }
        pb.environment().putAll(vars)
        val p = pb.start()
        val out = p.inputStream.bufferedReader().readText()
        // The deadline only keeps a broken build from hanging the suite.
        check(p.waitFor(60, TimeUnit.SECONDS)) { "probe hung: $out" }
        return out.trim()
    }

    private fun vars() = mapOf(
        "AGENTICSTAR_AUTH_URL" to emu.url,
        "AGENTICSTAR_API_URL" to emu.url,
        "AGENTICSTAR_CLIENT_ID" to "saas-cc-client",
        "AGENTICSTAR_CLIENT_SECRET" to "saas-cc-secret",
        "AGENTICSTAR_SCOPE" to "chat:all",
    )

    @Test fun `the environment builds a working client`() {
        assertEquals("scopes=[chat:all] reply=こんにちは！🌸 You said: hi", probe("env", vars()))
    }

    @Test fun `explicit arguments win`() {
        assertEquals("scopes=[openid]", probe("explicit-scope", vars()))
        assertEquals("error=invalid_client", probe("explicit-secret", vars()))
        assertTrue(probe("explicit-scope", mapOf()).startsWith("error=config"), "nothing set: a config error")
    }

    companion object {
        val ENV_VARS = setOf(
            "AGENTICSTAR_PROVIDER", "AGENTICSTAR_AUTH_URL", "AGENTICSTAR_REALM", "AGENTICSTAR_API_URL",
            "AGENTICSTAR_CLIENT_ID", "AGENTICSTAR_CLIENT_SECRET", "AGENTICSTAR_SCOPE", "AGENTICSTAR_TOKEN_FILE",
        )
    }
}

/** Run in a child JVM by [EnvTest]: builds a client from its environment and prints what it got. */
object EnvProbe {
    @JvmStatic fun main(args: Array<String>) = runBlocking {
        try {
            val client = when (args[0]) {
                "env" -> Client.fromEnv()
                "explicit-scope" -> Client.fromEnv(credentials = Credentials("saas-cc-client", "saas-cc-secret", scope = "openid"))
                else -> Client.fromEnv(credentials = Credentials("saas-cc-client", "wrong"))
            }
            client.use {
                val scopes = it.getToken().scopes()
                if (args[0] == "env") println("scopes=$scopes reply=${it.chat("hi").text}") else println("scopes=$scopes")
            }
        } catch (e: AgenticStarException) {
            println("error=${e.code ?: e.kind}")
        }
    }
}
