package jp.agenticstar

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.util.concurrent.ConcurrentHashMap
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * The quick starts of kotlin/README.md, verbatim apart from the URLs (the emulator's) and
 * `print` (collected here), so the README cannot drift from what works.
 */
class QuickStartTest {
    // README: "Android: a token store over EncryptedSharedPreferences" (a map stands in for the prefs).
    class PrefsTokenStore(private val prefs: MutableMap<String, String>) : TokenStore {
        override fun load(key: String): String? = prefs[key]
        override fun save(key: String, value: String) { prefs[key] = value }
        override fun clear(key: String) { prefs.remove(key) }
    }

    @Test fun `README quick starts work`() = Emulator().use { emu ->
        val authUrl = emu.url
        val apiUrl = emu.url
        val out = StringBuilder()
        runBlocking {
            // --- README: Quick start (client credentials) ---
            Client(
                Provider.agenticstar(authUrl),
                Credentials("saas-cc-client", "saas-cc-secret"),
                ClientOptions(apiUrl = apiUrl),
            ).use { client ->
                client.stream("hi").collect { out.append(it.text) }
                val reply = client.chat("hi")
                out.append(reply.text)
            }

            // --- README: Sign a user in (Authorization Code + PKCE) ---
            val client = Client(
                Provider.agenticstar(authUrl),
                Credentials("saas-app-client", "saas-app-secret"),
                ClientOptions(apiUrl = apiUrl, flow = AuthFlow.AUTHORIZATION_CODE),
                tokenStore = PrefsTokenStore(ConcurrentHashMap()),
            )
            val request = client.authorizeUrl("http://127.0.0.1:8765/callback", scope = "openid chat:exec")
            val saved = request.toJson()                        // keep it (encrypted) across the browser trip
            val callbackUrl = emu.approve(request.url())        // the app: open request.url() in a Custom Tab
            val signIn = client.completeAuthorization(AuthorizationRequest.fromJson(saved), callbackUrl)
            assertEquals("Alice", signIn.claims?.name)
            try {
                client.stream("hi").collect { out.append(it.text) }
            } catch (e: AgenticStarException.SignInRequired) {
                error("not expected here")
            } catch (e: AgenticStarException) {
                error("${e.kind}: ${e.detail}")
            }
            client.close()
        }
        assertEquals("こんにちは！🌸 You said: hi".repeat(3), out.toString())
        assertTrue(emu.counter("chat.completed") >= 2)
    }
}
