//! The fixed signing keys and JWKS. Fixed keys keep tokens reproducible across runs and let
//! tests in other languages pin them; public parts are derived rather than stored twice.

use std::sync::LazyLock;

use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub struct Key {
    pub kid: &'static str,
    alg: Algorithm,
    encoding: EncodingKey,
    pub jwk: Jwk,
}

pub struct Keys {
    /// rsa-1, then rsa-2 after `POST /admin/rotate_keys`.
    pub rsa: [Key; 2],
    pub ec: Key,
}

pub static KEYS: LazyLock<Keys> = LazyLock::new(|| Keys {
    rsa: [
        load("rsa-1", include_str!("../keys/rsa-1.pem"), Algorithm::RS256),
        load("rsa-2", include_str!("../keys/rsa-2.pem"), Algorithm::RS256),
    ],
    ec: load("ec-1", include_str!("../keys/ec-1.pem"), Algorithm::ES256),
});

// The PEMs are compiled in, so a failure here is a build defect, not bad input.
fn load(kid: &'static str, pem: &str, alg: Algorithm) -> Key {
    let encoding = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()),
    }
    .expect("embedded key is valid PKCS#8");
    let mut jwk = Jwk::from_encoding_key(&encoding, alg).expect("public part of embedded key");
    jwk.common.key_id = Some(kid.to_owned());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Key { kid, alg, encoding, jwk }
}

impl Key {
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("signing with an embedded key")
    }
}

/// The published key set: the current RSA key and the EC key (a rotated-out key disappears).
pub fn jwks(rsa_key: usize) -> Value {
    json!({ "keys": [&KEYS.rsa[rsa_key].jwk, &KEYS.ec.jwk] })
}
