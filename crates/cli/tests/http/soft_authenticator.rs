//! A software authenticator for the passkey tests: what a browser and an authenticator do
//! together, written from the WebAuthn specification (a P-256 key, `none` attestation, the
//! client data a browser writes, a signature counter), so the server's checks meet real
//! answers (tests/http/passkeys.rs).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// One credential on a software authenticator.
pub(crate) struct SoftKey {
    key: SigningKey,
    id: Vec<u8>,
    user: Vec<u8>,
    rp_id: String,
    counter: u32,
}

fn cbor_head(major: u8, n: usize, out: &mut Vec<u8>) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=255 => out.extend([m | 24, n as u8]),
        _ => out.extend([m | 25, (n >> 8) as u8, n as u8]),
    }
}

fn cbor_bytes(b: &[u8], out: &mut Vec<u8>) {
    cbor_head(2, b.len(), out);
    out.extend_from_slice(b);
}

fn cbor_text(t: &str, out: &mut Vec<u8>) {
    cbor_head(3, t.len(), out);
    out.extend_from_slice(t.as_bytes());
}

/// An ECDSA signature in the DER form WebAuthn carries.
fn der(sig: &Signature) -> Vec<u8> {
    let raw = sig.to_bytes();
    let int = |half: &[u8]| {
        let mut v: Vec<u8> = half.iter().copied().skip_while(|b| *b == 0).collect();
        if v.first().is_none_or(|b| *b & 0x80 != 0) {
            v.insert(0, 0);
        }
        let mut out = vec![0x02, v.len() as u8];
        out.extend(v);
        out
    };
    let (r, s) = (int(&raw[..32]), int(&raw[32..]));
    let mut out = vec![0x30, (r.len() + s.len()) as u8];
    out.extend(r);
    out.extend(s);
    out
}

pub(crate) fn text_of<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in {v}"))
}

impl SoftKey {
    /// Answers `navigator.credentials.create()` for these options, as a browser at `origin`.
    pub(crate) fn create(options: &Value, origin: &str) -> (SoftKey, Value) {
        let key = SigningKey::from_slice(&rand_bytes::<32>()).expect("a P-256 key");
        let soft = SoftKey {
            key,
            id: rand_bytes::<16>().to_vec(),
            user: B64
                .decode(text_of(options, "/publicKey/user/id"))
                .expect("user id"),
            rp_id: text_of(options, "/publicKey/rp/id").to_string(),
            counter: 0,
        };
        let client_data = json!({
            "type": "webauthn.create",
            "challenge": text_of(options, "/publicKey/challenge"),
            "origin": origin,
            "crossOrigin": false,
        })
        .to_string();
        let point = soft.key.verifying_key().to_sec1_point(false);
        let xy = &point.as_bytes()[1..];
        let mut cose = Vec::new();
        cbor_head(5, 5, &mut cose);
        cose.extend([0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]); // kty EC2, alg ES256, crv P-256, x:
        cbor_bytes(&xy[..32], &mut cose);
        cose.push(0x22); // y:
        cbor_bytes(&xy[32..], &mut cose);
        let mut auth = Sha256::digest(soft.rp_id.as_bytes()).to_vec();
        auth.push(0x45); // user present, user verified, attested credential data
        auth.extend(0u32.to_be_bytes());
        auth.extend([0u8; 16]); // AAGUID
        auth.extend((soft.id.len() as u16).to_be_bytes());
        auth.extend(&soft.id);
        auth.extend(cose);
        let mut attestation = Vec::new();
        cbor_head(5, 3, &mut attestation);
        cbor_text("fmt", &mut attestation);
        cbor_text("none", &mut attestation);
        cbor_text("attStmt", &mut attestation);
        cbor_head(5, 0, &mut attestation);
        cbor_text("authData", &mut attestation);
        cbor_bytes(&auth, &mut attestation);
        let credential = json!({
            "id": B64.encode(&soft.id),
            "rawId": B64.encode(&soft.id),
            "type": "public-key",
            "response": {
                "attestationObject": B64.encode(&attestation),
                "clientDataJSON": B64.encode(client_data.as_bytes()),
            },
            "extensions": {},
        });
        (soft, credential)
    }

    /// Answers `navigator.credentials.get()` for these options, as a browser at `origin`.
    pub(crate) fn get(&mut self, options: &Value, origin: &str) -> Value {
        self.counter += 1;
        let client_data = json!({
            "type": "webauthn.get",
            "challenge": text_of(options, "/publicKey/challenge"),
            "origin": origin,
            "crossOrigin": false,
        })
        .to_string();
        let mut auth = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        auth.push(0x05); // user present, user verified
        auth.extend(self.counter.to_be_bytes());
        let mut signed = auth.clone();
        signed.extend(Sha256::digest(client_data.as_bytes()));
        let sig: Signature = self.key.sign(&signed);
        json!({
            "id": B64.encode(&self.id),
            "rawId": B64.encode(&self.id),
            "type": "public-key",
            "response": {
                "authenticatorData": B64.encode(&auth),
                "clientDataJSON": B64.encode(client_data.as_bytes()),
                "signature": B64.encode(der(&sig)),
                "userHandle": B64.encode(&self.user),
            },
            "extensions": {},
        })
    }
}

fn rand_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    for (i, x) in b.iter_mut().enumerate() {
        *x = (uuid::Uuid::new_v4().as_bytes()[i % 16]) ^ (i as u8);
    }
    b
}
