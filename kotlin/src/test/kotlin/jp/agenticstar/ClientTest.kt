package jp.agenticstar

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Every case against one real emulator process over loopback HTTP, reset between tests. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientTest {
    private lateinit var emu: Emulator
    private val expected = "こんにちは！🌸 You said: hi"

    @BeforeAll fun start() { emu = Emulator() }
    @AfterAll fun stop() { emu.close() }
    @BeforeEach fun reset() { emu.reset() }

    /** Deadlines only keep a broken build from hanging the suite; nothing asserts on time. */
    private fun test(body: suspend CoroutineScope.() -> Unit) = runBlocking { withTimeout(60_000) { body() } }

    private fun saas(id: String = "saas-cc-client", secret: String = "saas-cc-secret", options: ClientOptions = ClientOptions(), store: TokenStore? = null) =
        Client(Provider.agenticstar(emu.url), Credentials(id, secret), options.copy(apiUrl = emu.url), store)

    /** A hostile server's deep nesting is a typed error in the shipped library, never a stack overflow that kills the JVM. */
    @Test fun `a deeply nested answer is a typed error, not a stack overflow`() = test {
        val deep = "[".repeat(100_000)
        val token = org.json.JSONObject().put("endpoint", "saas.token").put("status", 200)
            .put("content_type", "application/json").put("body", deep)
        emu.fault(token.toString())
        saas().use { c ->
            assertFailsWith<AgenticStarException.UnexpectedResponse> { c.getToken() }
            val chunk = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":$deep\n\n"
            val replay = org.json.JSONObject().put("chunks", org.json.JSONArray().put(chunk).put("data: [DONE]\n\n"))
            emu.fault(org.json.JSONObject().put("endpoint", "chat.completions").put("replay", replay).toString())
            assertFailsWith<AgenticStarException.StreamDecode> { c.stream("hi").toList() }
        }
    }

    @Test fun `typed request parameters go on the wire under their names`() = test {
        saas().use { c ->
            val req = ChatRequest(
                listOf(Message(Role.USER, Content.Text("hi"))),
                extraJson = """{"temperature": 2, "tools": []}""",
                temperature = 0.5, topP = 0.9, maxTokens = 7u, stop = listOf("\n"), seed = 3L, user = "u-1",
            )
            c.chat(req)
            val body = org.json.JSONObject(emu.requests("chat.completions").getJSONObject(0).getString("body"))
            assertEquals(0.5, body.getDouble("temperature"), "a typed field wins over extraJson")
            assertEquals(0.9, body.getDouble("top_p"))
            assertEquals(7, body.getInt("max_tokens"))
            assertEquals("\n", body.getJSONArray("stop").getString(0))
            assertEquals(3, body.getInt("seed"))
            assertEquals("u-1", body.getString("user"))
            assertEquals(0, body.getJSONArray("tools").length(), "extraJson still carries the rest")
            assertFalse(body.has("frequency_penalty"), "unset fields are not sent")
        }
    }

    /** A long, slow reply, so a stream is still running when the test cancels it. */
    private fun slowReply() = emu.config("""{"reply": "${"あ".repeat(400)}", "chunk_chars": 4, "chunk_delay_ms": 50}""")

    class MapStore : TokenStore {
        val values = ConcurrentHashMap<String, String>()
        override fun load(key: String): String? = values[key]
        override fun save(key: String, value: String) { values[key] = value }
        override fun clear(key: String) { values.remove(key) }
    }

    @Test fun `client credentials token is cached, scoped and never printed`() = test {
        saas().use { c ->
            val t = c.getToken()
            assertTrue("chat:all" in t.scopes(), t.scopes().toString())
            assertEquals("Bearer", t.tokenType())
            assertTrue((t.expiresIn() ?: 0.0) > 0)
            assertFalse(t.accessToken() in t.toString(), "Token.toString must not show the secret")
            assertEquals(t.accessToken(), c.getToken().accessToken())
            assertEquals(t.accessToken(), c.cachedToken()?.accessToken())
            assertEquals(1, emu.counter("saas.token"))
            assertNotEquals(t.accessToken(), c.forceRefresh().accessToken())
            assertEquals(2, emu.counter("saas.token"))
        }
    }

    @Test fun `every provider gets a token`() = test {
        val cases = listOf(
            Provider.marketplace(emu.url) to Credentials("mp-client", "mp-secret"),
            Provider.keycloak(emu.url, "dai") to Credentials("dai-client", "dai-secret"),
            Provider.wrapped("${emu.url}/v1") to Credentials("wrapped-client", "wrapped-secret"),
            Provider.oidc("${emu.url}/federation/auth/v1") to Credentials("saas-cc-client", "saas-cc-secret", authMethod = ClientAuthMethod.CLIENT_SECRET_BASIC),
            Provider.fromName("saas", emu.url) to Credentials("saas-cc-client", "saas-cc-secret"),
        )
        for ((p, creds) in cases) Client(p, creds).use { assertTrue(it.getToken().accessToken().isNotEmpty(), p.toString()) }
        val n = emu.counters()
        assertEquals(listOf(1L, 1L, 1L, 2L), listOf("marketplace.token", "keycloak.token", "wrapped.token", "saas.token").map { n[it] })
        // The wrapped API's token works on its chat API (api_url derived from the provider).
        Client(Provider.wrapped("${emu.url}/v1"), Credentials("wrapped-client", "wrapped-secret")).use {
            assertEquals(expected, it.chat("hi").text)
        }
    }

    @Test fun `authorization code with PKCE signs in, persists, refreshes and signs out`() = test {
        val store = MapStore()
        val opts = ClientOptions(flow = AuthFlow.AUTHORIZATION_CODE)
        saas("saas-app-client", "saas-app-secret", opts, store).use { c ->
            // Before sign-in there is no session to renew.
            assertIs<AgenticStarException.SignInRequired>(assertFailsWith<AgenticStarException> { c.getToken() })
            val started = c.authorizeUrl("http://127.0.0.1:8765/callback", scope = "openid chat:exec", uiLocales = "ja")
            assertTrue("code_challenge_method=S256" in started.url())
            assertFalse("verifier" in started.toString())
            // An app killed during the browser round trip restores the request from secure storage.
            val restored = AuthorizationRequest.fromJson(started.toJson())
            val signIn = c.completeAuthorization(restored, emu.approve(started.url()))
            assertEquals("user-alice", signIn.claims?.subject)
            assertEquals("alice@example.com", signIn.claims?.email)
            assertTrue(signIn.token.hasRefreshToken())
            assertTrue(emu.admin("GET", "/admin/requests?endpoint=saas.token").contains("code_verifier"))
            assertEquals(1, store.values.size, "the token store received the session")
            assertEquals(expected, c.stream("hi").toList().joinToString("") { it.text })

            // A relaunch: a new client over the same store needs no new sign-in nor token request.
            val before = emu.counter("saas.token")
            saas("saas-app-client", "saas-app-secret", opts, store).use { again ->
                assertEquals(signIn.token.accessToken(), again.getToken().accessToken())
                assertEquals(before, emu.counter("saas.token"))
                val saved = store.values.values.single()
                again.forceRefresh()   // refresh_token grant; the rotated refresh token is stored
                assertNotEquals(saved, store.values.values.single())
                again.signOut()
                assertTrue(store.values.isEmpty())
            }
        }
    }

    @Test fun `sign-in errors are typed`() = test {
        saas("saas-app-client", "saas-app-secret", ClientOptions(flow = AuthFlow.AUTHORIZATION_CODE)).use { c ->
            val r = c.authorizeUrl("http://127.0.0.1:8765/callback")
            val e = assertFailsWith<AgenticStarException.StateMismatch> {
                c.completeAuthorization(r, "http://127.0.0.1:8765/callback?code=abc&state=forged")
            }
            assertEquals("state_mismatch", e.kind)
            emu.fault("""{"endpoint": "saas.authorize", "deny": true}""")
            val denied = assertFailsWith<AgenticStarException.AuthorizationDenied> { c.completeAuthorization(r, emu.approve(r.url())) }
            assertEquals("access_denied", denied.code)
        }
    }

    @Test fun `streams via Flow`() = test {
        saas().use { c ->
            val deltas = c.stream(ChatRequest.user("hi")).toList()
            assertEquals(expected, deltas.joinToString("") { it.text })
            assertEquals("stop", deltas.last { it.finishReason != null }.finishReason)
            assertEquals("assistant", deltas.first().choices.first().role)
            assertEquals(1, emu.counter("chat.completed"))
            // A Flow is cold: collecting again sends another request.
            assertEquals(expected, c.stream("hi").toList().joinToString("") { it.text })
            assertEquals(2, emu.counter("chat.completions"))
        }
    }

    @Test fun `pull API reads deltas, then the whole completion`() = test {
        saas().use { c ->
            c.chatStream(ChatRequest(listOf(Message(Role.USER, Content.Text("hi"))), extraJson = """{"stream_options": {"include_usage": true}}""")).use { s ->
                val first = s.next()
                assertEquals("assistant", first?.choices?.first()?.role)
                val all = s.collect()
                assertEquals(expected, all.text)
                assertEquals("stop", all.finishReason)
                assertTrue((all.usage?.totalTokens ?: 0) > 0)
                assertNull(s.next())
            }
        }
    }

    @Test fun `streams via the listener`() = test {
        saas().use { c ->
            val text = StringBuilder()
            val done = CountDownLatch(1)
            val errors = CopyOnWriteArrayList<AgenticStarException>()
            val handle = c.streamTo(ChatRequest.user("hi"), onDelta = { text.append(it.text) }, onError = { errors += it; done.countDown() }, onComplete = { done.countDown() })
            assertTrue(done.await(30, TimeUnit.SECONDS))
            assertEquals(expected, synchronized(text) { text.toString() })
            assertTrue(errors.isEmpty(), errors.toString())
            emu.awaitCounter("chat.completed", 1)
            // The pump flags the handle right after the final callback returns.
            val end = System.nanoTime() + 10_000_000_000
            while (!handle.isFinished() && System.nanoTime() < end) Thread.sleep(10)
            assertTrue(handle.isFinished())
        }
    }

    @Test fun `stopping a Flow early closes the connection`() = test {
        slowReply()
        saas().use { c ->
            assertEquals(2, c.stream("hi").take(2).toList().size)
            assertEquals("あ".repeat(4), c.stream("hi").first { it.text.isNotEmpty() }.text)
        }
        assertEquals(2, emu.awaitCounter("chat.disconnects", 2))
        assertEquals(0, emu.counter("chat.completed"))
    }

    @Test fun `cancelling the collecting coroutine closes the connection`() = test {
        slowReply()
        saas().use { c ->
            val started = CompletableDeferred<Unit>()
            val job = launch { c.stream("hi").collect { started.complete(Unit) } }
            started.await()
            job.cancelAndJoin()
        }
        assertEquals(1, emu.awaitCounter("chat.disconnects", 1))
        assertEquals(0, emu.counter("chat.completed"))
    }

    @Test fun `cancel() ends the pull stream and closes the connection`() = test {
        slowReply()
        saas().use { c ->
            c.chatStream(ChatRequest.user("hi")).use { s ->
                assertTrue(s.next() != null)
                s.cancel()
                assertNull(s.next())
                assertTrue(s.isCancelled())
            }
        }
        assertEquals(1, emu.awaitCounter("chat.disconnects", 1))
    }

    @Test fun `cancelling a listener stream closes the connection and completes`() = test {
        slowReply()
        saas().use { c ->
            val first = CountDownLatch(1)
            val completed = CountDownLatch(1)
            val handle = c.streamTo(ChatRequest.user("hi"), onDelta = { first.countDown() }, onComplete = { completed.countDown() })
            assertTrue(first.await(30, TimeUnit.SECONDS))
            handle.cancel()
            assertTrue(completed.await(30, TimeUnit.SECONDS))
        }
        assertEquals(1, emu.awaitCounter("chat.disconnects", 1))
        assertEquals(0, emu.counter("chat.completed"))
    }

    @Test fun `a throwing listener cancels its stream and gets onError`() = test {
        slowReply()
        saas().use { c ->
            val failed = CompletableDeferred<AgenticStarException>()
            c.chatStreamTo(ChatRequest.user("hi"), object : ChatListener {
                override fun onDelta(delta: ChatChunk) = throw IllegalStateException("app bug")
                override fun onError(error: AgenticStarException) { failed.complete(error) }
                override fun onComplete() { failed.completeExceptionally(AssertionError("onComplete after a failure")) }
            })
            val e = failed.await()
            assertIs<AgenticStarException.Internal>(e)
            assertTrue("app bug" in e.detail, e.detail)
        }
        assertEquals(1, emu.awaitCounter("chat.disconnects", 1))
    }

    @Test fun `errors are typed, with their fields`() = test {
        val noRetry = ClientOptions(maxRetries = 0)
        saas(secret = "wrong").use { c ->
            val e = assertFailsWith<AgenticStarException.InvalidClient> { c.getToken() }
            assertEquals("invalid_client", e.kind)
            assertEquals(401, e.status)
            assertEquals("invalid_client", e.code)
            assertFalse("wrong" in e.message!!, "no secret in messages")
        }
        // Scope enforcement: refused before anything is sent.
        saas("saas-mgmt-client", "saas-mgmt-secret").use { c ->
            val e = assertFailsWith<AgenticStarException.InsufficientScope> { c.stream("hi").toList() }
            assertEquals("insufficient_scope", e.kind)
            assertEquals(0, emu.counter("chat.completions"))
        }
        saas(options = noRetry).use { c ->
            emu.fault("""{"endpoint": "chat.completions", "status": 429, "headers": {"Retry-After": "7"}, "body": {"error": {"message": "slow down", "code": "rate_limited"}}}""")
            val limited = assertFailsWith<AgenticStarException.RateLimited> { c.stream("hi").toList() }
            assertEquals(7.0, limited.retryAfter)
            assertEquals(429, limited.status)

            emu.fault("""{"endpoint": "chat.completions", "stream": "error_event", "after_chunks": 1}""")
            val got = mutableListOf<ChatChunk>()
            val inStream = assertFailsWith<AgenticStarException.StreamException> { c.stream("hi").collect { got += it } }
            assertEquals("stream_error", inStream.kind)
            assertTrue(got.isNotEmpty(), "deltas before the error are delivered")

            emu.fault("""{"endpoint": "chat.completions", "stream": "disconnect", "after_chunks": 2}""")
            assertEquals("stream_truncated", assertFailsWith<AgenticStarException.StreamTruncated> { c.stream("hi").toList() }.kind)

            emu.fault("""{"endpoint": "chat.completions", "status": 503, "body": "down"}""")
            assertEquals(503, assertFailsWith<AgenticStarException.ServerException> { c.chat("hi") }.status)
        }
        assertIs<AgenticStarException.InsecureTransport>(assertFailsWith<AgenticStarException> {
            Client(Provider.agenticstar("http://auth.example.com"), Credentials("a", "b"))
        })
        assertEquals("config", assertFailsWith<AgenticStarException.Config> { Provider.keycloak(emu.url, "") }.kind)
        assertEquals("config", assertFailsWith<AgenticStarException.Config> { saas().use { it.chat(ChatRequest(emptyList())) } }.kind)
    }

    @Test fun `non-streamed chat and raw requests`() = test {
        saas().use { c ->
            assertEquals(expected, c.chat("hi").text)
            val me = c.request("GET", "/v1/me")
            assertEquals(200, me.status)
            assertTrue(me.body.decodeToString().contains("saas-cc-client"))
            assertEquals(404, assertFailsWith<AgenticStarException.Api> { c.request("GET", "/v1/nope") }.status)
        }
    }
}
