//! Property tests: no input makes a parser panic, and secrets never survive scrubbing.
use agenticstar::fuzzing;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn sse_chunking_never_matters(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        fuzzing::sse(&data);
    }

    #[test]
    fn chat_events_never_panic(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
        fuzzing::chat_event(&data);
    }

    #[test]
    fn chat_json_shaped_events_never_panic(s in r#"\{"(choices|error|usage)":(\[\{"delta":\{"content":"[a-z]*"\}\}\]|"x"|null|\{\}|[0-9]+)\}"#) {
        let _ = agenticstar::chat::decode_event("message", &s);
    }

    #[test]
    fn token_responses_never_panic(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
        fuzzing::token_response(&data);
    }

    #[test]
    fn json_shaped_token_responses_never_panic(sel in any::<u8>(), s in r#"\{("(access_token|expires_in|token_type|error|data|success|message)":("[a-z ]*"|-?[0-9.e]+|true|null|\{\}),?)*\}"#) {
        let mut data = vec![sel];
        data.extend_from_slice(s.as_bytes());
        fuzzing::token_response(&data);
    }

    #[test]
    fn callbacks_never_panic(s in ".*") {
        fuzzing::callback(s.as_bytes());
    }

    #[test]
    fn id_tokens_never_panic(s in "[A-Za-z0-9_.-]{0,300}") {
        fuzzing::id_token(s.as_bytes());
    }

    #[test]
    fn scrub_removes_token_values(v in "[A-Za-z0-9_-]{6,40}", key in "(access_token|refresh_token|id_token|client_secret|code_verifier)") {
        for text in [format!(r#"{{"{key}":"{v}"}}"#), format!("{key}={v}&x=1"), format!("{key}: {v}")] {
            let out = agenticstar::redact::scrub(&text);
            prop_assert!(!out.contains(&v), "{} -> {}", text, out);
        }
    }

    /// Random secrets in every shape a server echoes them: any key spelling (snake, camel,
    /// kebab, any case), JSON-escaped inside a string, after an auth scheme, in a query.
    #[test]
    fn scrub_catches_every_echo(
        v in "[A-Za-z0-9._~+/-]{12,48}",
        key in "(access_token|accessToken|AccessToken|refresh-token|REFRESH_TOKEN|idToken|id_token|clientSecret|client_secret|code_verifier|codeVerifier|password|apiKey|token|secret|client_assertion)",
        scheme in "(Bearer|bearer|Basic|BASIC)",
        before in "([ a-z:{,]{0,8}[ :{,])?",
    ) {
        for text in [
            format!(r#"{before}{{"{key}":"{v}"}}"#),
            format!(r#"{before}"{{\"{key}\":\"{v}\"}}""#),
            format!(r#"{before}{{"nested": "{{\"{key}\": \"{v}\"}}"}}"#),
            format!("{before}{key}={v}&x=1"),
            format!("{before}?a=1&{key}={v}"),
            format!("{before}{key}: {v}"),
            format!("{before}Authorization: {scheme} {v}"),
            format!("{before}{scheme} {v}, then more"),
            format!("{before}code={v}&state=s"),
        ] {
            let out = agenticstar::redact::scrub(&text);
            prop_assert!(!out.contains(&v), "{} -> {}", text, out);
            let ex = agenticstar::redact::excerpt(text.as_bytes());
            prop_assert!(!ex.contains(&v), "{} -> {}", text, ex);
        }
    }
}
