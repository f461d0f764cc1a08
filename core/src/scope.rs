//! Scopes with the documented inclusions (`chat:all` covers `chat:exec`, ...).
use std::fmt;

/// Scopes granted to a token, as a parsed space-separated `scope` value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

/// Scopes that imply others, from the AGENTIC STAR scope reference.
const INCLUDES: &[(&str, &[&str])] = &[
    ("chat:all", &["chat:exec", "chat:history", "chat:file"]),
    ("mcp:all", &["mcp:exec", "mcp:file"]),
    ("a2a:all", &["a2a:exec", "a2a:file"]),
    ("users:manage", &["users:read"]),
];

impl Scopes {
    /// Split a space-separated `scope` value (RFC 6749 §3.3); a scope given twice is kept once, where
    /// it first appears.
    pub fn parse(scope: &str) -> Self {
        let mut v: Vec<String> = Vec::new();
        for s in scope.split_ascii_whitespace() {
            // Linear: a scope list is a handful of entries.
            if !v.iter().any(|g| g == s) {
                v.push(s.to_owned());
            }
        }
        Scopes(v)
    }

    /// The scopes exactly as granted.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// No scope at all was granted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the token may do what `scope` allows, directly or through an including scope.
    pub fn allows(&self, scope: &str) -> bool {
        self.0
            .iter()
            .any(|g| g == scope || INCLUDES.iter().any(|(parent, children)| g == parent && children.contains(&scope)))
    }

    /// Whether any of `scopes` is allowed.
    pub fn allows_any(&self, scopes: &[&str]) -> bool {
        scopes.iter().any(|s| self.allows(s))
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scopes({:?})", self.0.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusions() {
        let s = Scopes::parse("openid  chat:all users:manage");
        for ok in ["openid", "chat:all", "chat:exec", "chat:history", "chat:file", "users:read"] {
            assert!(s.allows(ok), "{ok}");
        }
        for no in ["mcp:exec", "mcp:all", "logs:read", "chat", "chat:al"] {
            assert!(!s.allows(no), "{no}");
        }
        let s = Scopes::parse("openid chat:exec chat:history chat:file mcp:all");
        assert!(s.allows("mcp:file") && s.allows("chat:exec") && !s.allows("chat:all"));
        assert_eq!(s.to_string(), "openid chat:exec chat:history chat:file mcp:all");
        assert!(Scopes::parse("").is_empty());
    }

    #[test]
    fn parse_keeps_each_scope_once_in_first_seen_order() {
        let s = Scopes::parse("b a b\tc a  b");
        assert_eq!(s.as_slice(), ["b", "a", "c"]);
        assert_eq!(s.to_string(), "b a c");
        assert_eq!(Scopes::parse("a a a").as_slice(), ["a"]);
    }
}
