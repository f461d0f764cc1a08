//! Recorded exchanges made comparable: the ids and times an agent (or we) generate differ from
//! run to run, so they are replaced by placeholders numbered in order of first appearance.

use std::collections::HashMap;

use serde_json::Value;

/// `entries` with every UUID replaced by `<id N>` (the same UUID, the same N) and every RFC 3339
/// timestamp by `<time>`.
pub fn normalize_recording(entries: &[Value]) -> Vec<Value> {
    let mut ids = HashMap::new();
    entries.iter().map(|e| normalize(e, &mut ids)).collect()
}

fn normalize(v: &Value, ids: &mut HashMap<String, usize>) -> Value {
    match v {
        Value::String(s) if is_uuid(s) => {
            let n = ids.len() + 1;
            Value::String(format!("<id {}>", ids.entry(s.to_ascii_lowercase()).or_insert(n)))
        }
        Value::String(s) if is_timestamp(s) => Value::String("<time>".into()),
        Value::Array(a) => Value::Array(a.iter().map(|x| normalize(x, ids)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), normalize(x, ids))).collect()),
        other => other.clone(),
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `YYYY-MM-DDTHH:MM:SS…` (fractions and zone as they come).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b.iter().take(19).enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T' || *c == b't',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_numbered_by_first_appearance() {
        let a = "ba1a2cdd-09e4-4a58-b320-57a7c4a80ac3";
        let b = "09b8cf63-7324-42fe-b884-faad3fea9ca9";
        let got = normalize_recording(&[
            json!({"task": {"id": a, "contextId": b}}),
            json!({"taskId": a, "t": "2026-12-01T10:00:53.974028Z", "n": 1, "s": "hello"}),
        ]);
        assert_eq!(
            got,
            vec![
                // Keys are visited in sorted order: contextId before id.
                json!({"task": {"id": "<id 2>", "contextId": "<id 1>"}}),
                json!({"taskId": "<id 2>", "t": "<time>", "n": 1, "s": "hello"})
            ]
        );
    }
}
