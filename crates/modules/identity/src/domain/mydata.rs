//! MyData's wire formats as a service provider (SP) reads them (docs/MYDATA.md): the notice
//! the platform POSTs to the SP, the `secret_key` in it, and the data file `GET /service/data`
//! answers. Pure: no I/O, no clock.
//!
//! - [`Notice`]: `{"tx_id", "permission_ticket", "secret_key"}`, or with
//!   `"unable_to_deliver": [resource ids]` instead of the key. Other fields are ignored (the
//!   real platform may add some).
//! - [`decrypt_secret_key`]: the `secret_key` is standard base64 of AES-256-CBC (PKCS#7) of 32
//!   raw bytes, under key = the client secret's 32 ASCII bytes and IV = the service IV's 16.
//! - [`open_data`]: the data is a JWE compact serialization (RFC 7516), `alg` `dir` and `enc`
//!   `A256GCM` only, the raw secret key as the content key, the encoded protected header as
//!   AAD; its payload `{"filename": "<client_id>.zip", "data": "application/zip;data:<base64>"}`.
//!   The ZIP is read with `platform::zip::read_entries`.

use aes::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

/// The dataset of a person's household-registration record.
pub const HOUSEHOLD_REGISTRATION: &str = "household-registration";

/// What the data's `data` starts with, before the ZIP's standard base64.
pub const DATA_PREFIX: &str = "application/zip;data:";

/// The platform's server-to-server notice of a consent. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The SP's own transaction id, as it sent the citizen to the platform.
    pub tx_id: String,
    /// The ticket to fetch the data with (a UUID on the platform).
    pub permission_ticket: String,
    /// The encrypted key of the data ([`decrypt_secret_key`]); absent when nothing can be
    /// delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// The datasets (resource ids) that could not be obtained.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unable_to_deliver: Vec<String>,
}

impl Notice {
    /// The notice in a JSON body. `tx_id` and `permission_ticket` must not be empty.
    pub fn parse(body: &[u8]) -> Result<Notice, WireError> {
        let notice: Notice =
            serde_json::from_slice(body).map_err(|e| WireError::Notice(e.to_string()))?;
        if notice.tx_id.is_empty() || notice.permission_ticket.is_empty() {
            return Err(WireError::Notice(
                "empty tx_id or permission_ticket".to_string(),
            ));
        }
        Ok(notice)
    }
}

/// The file in the data: its name (`<client_id>.zip`) and the ZIP's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub filename: String,
    pub zip: Vec<u8>,
}

/// Why a notice, a secret key or the data could not be read. The messages name no secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("the notice is not valid: {0}")]
    Notice(String),
    #[error("the client secret must be exactly 32 ASCII characters")]
    ClientSecret,
    #[error("the IV must be exactly 16 ASCII characters")]
    Iv,
    #[error("the secret key is not standard base64 of 48 bytes")]
    SecretKeyEncoding,
    #[error("the secret key does not decrypt to 32 bytes with this client secret and IV")]
    SecretKey,
    #[error("the JWE is malformed: {0}")]
    Malformed(&'static str),
    #[error("unsupported JWE: {0}")]
    Unsupported(String),
    #[error("the JWE does not open with this key: altered, or sealed under another key")]
    Tag,
    #[error("the JWE's payload is not a data file: {0}")]
    Payload(&'static str),
}

/// The 32 raw bytes of a notice's `secret_key` (standard base64 of AES-256-CBC with PKCS#7
/// padding), with the SP's client secret (32 ASCII characters, the key) and the service's IV
/// (16 ASCII characters).
pub fn decrypt_secret_key(client_secret: &str, iv: &str, b64: &str) -> Result<[u8; 32], WireError> {
    if client_secret.len() != 32 || !client_secret.is_ascii() {
        return Err(WireError::ClientSecret);
    }
    if iv.len() != 16 || !iv.is_ascii() {
        return Err(WireError::Iv);
    }
    let mut sealed = STANDARD
        .decode(b64.trim())
        .map_err(|_| WireError::SecretKeyEncoding)?;
    if sealed.len() != 48 {
        return Err(WireError::SecretKeyEncoding);
    }
    let cipher =
        cbc::Decryptor::<aes::Aes256>::new_from_slices(client_secret.as_bytes(), iv.as_bytes())
            .map_err(|_| WireError::ClientSecret)?;
    let plain = cipher
        .decrypt_padded::<Pkcs7>(&mut sealed)
        .map_err(|_| WireError::SecretKey)?;
    <[u8; 32]>::try_from(plain).map_err(|_| WireError::SecretKey)
}

/// One base64url part of a JWE (no padding).
fn part(text: &str, what: &'static str) -> Result<Vec<u8>, WireError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| WireError::Malformed(what))
}

#[derive(Deserialize)]
struct DataPayload {
    filename: String,
    data: String,
}

/// Opens the body of a `200` from `/service/data` (a JWE compact serialization) with the raw
/// secret key of its notice. Refused: anything but five parts, a header other than `alg`
/// `dir` with `enc` `A256GCM` (or with `zip` or `crit`), an encrypted key, an IV other than 96
/// bits or a tag other than 128 bits, a tag that does not verify, and a payload whose `data`
/// is not `application/zip;data:<standard base64>`.
pub fn open_data(jwe_compact: &str, key: &[u8; 32]) -> Result<DataFile, WireError> {
    let parts: Vec<&str> = jwe_compact.trim().split('.').collect();
    let [header_b64, encrypted_key, iv, ciphertext, tag] = parts[..] else {
        return Err(WireError::Malformed("a compact JWE has five parts"));
    };
    let header = part(header_b64, "the protected header is not base64url")?;
    let header: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&header)
        .map_err(|_| WireError::Malformed("the protected header is not a JSON object"))?;
    let field = |name: &str| header.get(name).and_then(|v| v.as_str());
    if field("alg") != Some("dir") {
        return Err(WireError::Unsupported(format!(
            "alg {:?}: only \"dir\"",
            header.get("alg")
        )));
    }
    if field("enc") != Some("A256GCM") {
        return Err(WireError::Unsupported(format!(
            "enc {:?}: only \"A256GCM\"",
            header.get("enc")
        )));
    }
    for unknown in ["zip", "crit"] {
        if header.contains_key(unknown) {
            return Err(WireError::Unsupported(format!("the {unknown:?} header")));
        }
    }
    if !encrypted_key.is_empty() {
        return Err(WireError::Malformed("\"dir\" has an empty encrypted key"));
    }
    let iv: [u8; 12] = part(iv, "the IV is not base64url")?
        .try_into()
        .map_err(|_| WireError::Malformed("the IV is not 96 bits"))?;
    let tag = part(tag, "the tag is not base64url")?;
    if tag.len() != 16 {
        return Err(WireError::Malformed("the tag is not 128 bits"));
    }
    let mut sealed = part(ciphertext, "the ciphertext is not base64url")?;
    sealed.extend_from_slice(&tag);
    let plain = aes_gcm::Aes256Gcm::new(&(*key).into())
        .decrypt(
            &iv.into(),
            Payload {
                msg: &sealed,
                aad: header_b64.as_bytes(),
            },
        )
        .map_err(|_| WireError::Tag)?;
    let payload: DataPayload = serde_json::from_slice(&plain)
        .map_err(|_| WireError::Payload("not {\"filename\", \"data\"}"))?;
    let data = payload
        .data
        .strip_prefix(DATA_PREFIX)
        .ok_or(WireError::Payload(
            "data is not application/zip;data:<base64>",
        ))?;
    let zip = STANDARD
        .decode(data)
        .map_err(|_| WireError::Payload("the ZIP is not standard base64"))?;
    Ok(DataFile {
        filename: payload.filename,
        zip,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mydata_sim::wire;

    const SECRET: &str = mydata_sim::DEMO_CLIENT_SECRET;
    const IV: &str = mydata_sim::DEMO_IV;
    const KEY: [u8; 32] = [42; 32];

    #[test]
    fn the_secret_key_decrypts_with_the_client_secret_and_iv() {
        let b64 = wire::encrypt_secret_key(SECRET, IV, &KEY).unwrap();
        assert_eq!(decrypt_secret_key(SECRET, IV, &b64), Ok(KEY));
        let other = "another-secret-of-32-characters!";
        assert_eq!(other.len(), 32);
        assert_eq!(
            decrypt_secret_key(other, IV, &b64),
            Err(WireError::SecretKey)
        );
        assert_eq!(
            decrypt_secret_key("short", IV, &b64),
            Err(WireError::ClientSecret)
        );
        assert_eq!(
            decrypt_secret_key(SECRET, "short", &b64),
            Err(WireError::Iv)
        );
        assert_eq!(
            decrypt_secret_key(SECRET, IV, "not base64!"),
            Err(WireError::SecretKeyEncoding)
        );
        assert_eq!(
            decrypt_secret_key(SECRET, IV, &STANDARD.encode([0u8; 32])),
            Err(WireError::SecretKeyEncoding)
        );
    }

    #[test]
    fn the_data_opens_with_its_key() {
        let jwe = wire::seal_data(&KEY, "CIVICDESK.zip", b"PK\x05\x06").unwrap();
        let file = open_data(&jwe, &KEY).unwrap();
        assert_eq!(file.filename, "CIVICDESK.zip");
        assert_eq!(file.zip, b"PK\x05\x06");
        assert_eq!(open_data(&format!("{jwe}\n"), &KEY), Ok(file));
    }

    #[test]
    fn another_key_or_an_altered_part_does_not_open() {
        let jwe = wire::seal_data(&KEY, "CIVICDESK.zip", &[7; 100]).unwrap();
        assert_eq!(open_data(&jwe, &[1; 32]), Err(WireError::Tag));
        let parts: Vec<&str> = jwe.split('.').collect();
        // One flipped bit in the ciphertext, in the tag, in the IV.
        for which in [3, 4, 2] {
            let mut bytes = URL_SAFE_NO_PAD.decode(parts[which]).unwrap();
            bytes[0] ^= 1;
            let mut altered = parts.clone();
            let encoded = URL_SAFE_NO_PAD.encode(&bytes);
            altered[which] = &encoded;
            assert_eq!(open_data(&altered.join("."), &KEY), Err(WireError::Tag));
        }
        // The same header, encoded otherwise: the AAD changed.
        let spaced = URL_SAFE_NO_PAD.encode(r#"{"alg":"dir", "enc":"A256GCM"}"#);
        let mut altered = parts.clone();
        altered[0] = &spaced;
        assert_eq!(open_data(&altered.join("."), &KEY), Err(WireError::Tag));
    }

    #[test]
    fn only_dir_with_a256gcm_is_opened() {
        let payload = br#"{"filename":"x.zip","data":"application/zip;data:UEs="}"#;
        for header in [
            r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#,
            r#"{"alg":"dir","enc":"A128GCM"}"#,
            r#"{"alg":"dir","enc":"A256CBC-HS512"}"#,
            r#"{"enc":"A256GCM"}"#,
            r#"{"alg":"dir","enc":"A256GCM","zip":"DEF"}"#,
            r#"{"alg":"dir","enc":"A256GCM","crit":["exp"]}"#,
        ] {
            let jwe = wire::seal_with_header(&KEY, header, payload).unwrap();
            assert!(
                matches!(open_data(&jwe, &KEY), Err(WireError::Unsupported(_))),
                "{header}"
            );
        }
        let jwe =
            wire::seal_with_header(&KEY, r#"{"alg":"dir","enc":"A256GCM","kid":"1"}"#, payload)
                .unwrap();
        assert!(
            open_data(&jwe, &KEY).is_ok(),
            "other header fields are fine"
        );
    }

    #[test]
    fn malformed_jwes_are_refused() {
        let jwe = wire::seal_data(&KEY, "CIVICDESK.zip", b"PK").unwrap();
        let parts: Vec<&str> = jwe.split('.').collect();
        let with = |which: usize, value: &str| {
            let mut p = parts.clone();
            p[which] = value;
            p.join(".")
        };
        let short_iv = URL_SAFE_NO_PAD.encode([0u8; 8]);
        let short_tag = URL_SAFE_NO_PAD.encode([0u8; 8]);
        let not_json = URL_SAFE_NO_PAD.encode("dir");
        for broken in [
            String::new(),
            parts[..4].join("."),
            format!("{jwe}."),
            with(0, "***"),
            with(0, &not_json),
            with(1, "c29tZWtleQ"),
            with(2, &short_iv),
            with(4, &short_tag),
            with(3, "a+b/"),
        ] {
            assert!(
                matches!(open_data(&broken, &KEY), Err(WireError::Malformed(_))),
                "{broken}"
            );
        }
    }

    #[test]
    fn a_payload_that_is_not_a_zip_data_url_is_refused() {
        for payload in [
            r#"{"filename":"x.zip","data":"UEs="}"#,
            r#"{"filename":"x.zip","data":"application/pdf;data:UEs="}"#,
            r#"{"filename":"x.zip","data":"application/zip;data:!!"}"#,
            r#"{"filename":"x.zip"}"#,
            "not json",
        ] {
            let jwe = wire::seal_with_header(&KEY, wire::JWE_HEADER, payload.as_bytes()).unwrap();
            assert!(
                matches!(open_data(&jwe, &KEY), Err(WireError::Payload(_))),
                "{payload}"
            );
        }
    }

    #[test]
    fn a_notice_carries_a_key_or_what_could_not_be_delivered_and_may_grow() {
        let notice = Notice::parse(
            br#"{"tx_id":"t1","permission_ticket":"p1","secret_key":"abc","new_field":1}"#,
        )
        .unwrap();
        assert_eq!(notice.secret_key.as_deref(), Some("abc"));
        assert!(notice.unable_to_deliver.is_empty());
        let notice = Notice::parse(
            br#"{"tx_id":"t1","permission_ticket":"p1","unable_to_deliver":["household-registration"]}"#,
        )
        .unwrap();
        assert_eq!(notice.secret_key, None);
        assert_eq!(notice.unable_to_deliver, [HOUSEHOLD_REGISTRATION]);
        assert!(Notice::parse(br#"{"tx_id":"","permission_ticket":"p1"}"#).is_err());
        assert!(Notice::parse(br#"{"tx_id":"t1"}"#).is_err());
        let json = serde_json::to_string(&notice).unwrap();
        assert!(!json.contains("secret_key"));
    }
}
