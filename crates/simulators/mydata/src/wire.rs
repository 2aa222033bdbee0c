//! The platform's side of the wire formats (the SP's side, which opens them, is
//! `identity::domain::mydata`):
//! - the notice's `secret_key`: the 32 raw key bytes, AES-256-CBC with PKCS#7 padding under
//!   key = the client secret's 32 bytes and IV = the service IV's 16 bytes, in standard base64;
//! - the data: a JWE compact serialization (RFC 7516) with the protected header
//!   `{"alg":"dir","enc":"A256GCM"}`, the raw secret key as the content encryption key, a random
//!   96-bit IV, a 128-bit tag and the ASCII of the encoded protected header as AAD; its payload
//!   is `{"filename":"<client_id>.zip","data":"application/zip;data:<standard base64>"}`;
//! - the ZIP: `household-registration.json` and `manifest.json`.

use crate::people::Person;
use crate::{HOUSEHOLD_REGISTRATION, SimConfig};
use aes::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// The protected header of every JWE the simulator writes.
pub const JWE_HEADER: &str = r#"{"alg":"dir","enc":"A256GCM"}"#;

/// The prefix of the payload's `data`, before the ZIP's base64.
pub const DATA_PREFIX: &str = "application/zip;data:";

/// Why a wire value could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("the client secret must be 32 and the IV 16 ASCII characters")]
    KeyOrIv,
    #[error("the operating system's random source failed")]
    Random,
    #[error("AES-GCM refused the message")]
    Seal,
    #[error("packaging the data: {0}")]
    Package(String),
}

/// 32 random bytes: a fresh `secret_key`.
pub fn random_key() -> Result<[u8; 32], WireError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|_| WireError::Random)?;
    Ok(key)
}

/// The notice's `secret_key`: `key` under AES-256-CBC (PKCS#7) with the client secret's bytes
/// as the key and the service IV's bytes as the IV, in standard base64 (48 bytes, 64
/// characters).
pub fn encrypt_secret_key(
    client_secret: &str,
    iv: &str,
    key: &[u8; 32],
) -> Result<String, WireError> {
    if client_secret.len() != 32 || !client_secret.is_ascii() || iv.len() != 16 || !iv.is_ascii() {
        return Err(WireError::KeyOrIv);
    }
    let cipher =
        cbc::Encryptor::<aes::Aes256>::new_from_slices(client_secret.as_bytes(), iv.as_bytes())
            .map_err(|_| WireError::KeyOrIv)?;
    let mut buf = [0u8; 48];
    buf[..32].copy_from_slice(key);
    let sealed = cipher
        .encrypt_padded::<Pkcs7>(&mut buf, 32)
        .map_err(|_| WireError::Seal)?;
    Ok(STANDARD.encode(sealed))
}

/// A JWE compact serialization of `payload` under `protected_header` (JSON, written as given)
/// with AES-256-GCM and `key` as the content encryption key (`dir`: the encrypted key part is
/// empty). Any header may be written, so that tests can make JWEs an SP must refuse.
pub fn seal_with_header(
    key: &[u8; 32],
    protected_header: &str,
    payload: &[u8],
) -> Result<String, WireError> {
    let header = URL_SAFE_NO_PAD.encode(protected_header);
    let mut iv = [0u8; 12];
    getrandom::fill(&mut iv).map_err(|_| WireError::Random)?;
    let cipher = aes_gcm::Aes256Gcm::new(&(*key).into());
    let mut sealed = cipher
        .encrypt(
            &iv.into(),
            Payload {
                msg: payload,
                aad: header.as_bytes(),
            },
        )
        .map_err(|_| WireError::Seal)?;
    let tag = sealed.split_off(sealed.len() - 16);
    Ok(format!(
        "{header}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(&sealed),
        URL_SAFE_NO_PAD.encode(&tag)
    ))
}

/// The body of a `200` from `/service/data`: the data file named `filename`, sealed under
/// [`JWE_HEADER`] with `key`.
pub fn seal_data(key: &[u8; 32], filename: &str, zip: &[u8]) -> Result<String, WireError> {
    let payload = serde_json::json!({
        "filename": filename,
        "data": format!("{DATA_PREFIX}{}", STANDARD.encode(zip)),
    });
    seal_with_header(key, JWE_HEADER, payload.to_string().as_bytes())
}

/// The household-registration record of `person` as packaged: `resource_id`, `issued_at`
/// (RFC 3339) and every field of the person.
pub fn household_record(person: &Person, issued_at: time::OffsetDateTime) -> serde_json::Value {
    serde_json::json!({
        "resource_id": HOUSEHOLD_REGISTRATION,
        "issued_at": rfc3339(issued_at),
        "person": person,
    })
}

/// The data file of a consent: a ZIP holding `household-registration.json` and a
/// `manifest.json` that lists the files, dated `issued_at` (in Taipei time, to the second).
pub fn package(
    config: &SimConfig,
    tx_id: &str,
    person: &Person,
    issued_at: time::OffsetDateTime,
) -> Result<Vec<u8>, WireError> {
    let taipei = issued_at.to_offset(time::macros::offset!(+8));
    let taipei = taipei.replace_nanosecond(0).unwrap_or(taipei);
    let record = household_record(person, taipei);
    let record =
        serde_json::to_vec_pretty(&record).map_err(|e| WireError::Package(e.to_string()))?;
    let name = format!("{HOUSEHOLD_REGISTRATION}.json");
    let manifest = serde_json::json!({
        "client_id": config.client_id,
        "ps_id": config.ps_id,
        "tx_id": tx_id,
        "issued_at": rfc3339(taipei),
        "files": [{ "name": name, "resource_id": HOUSEHOLD_REGISTRATION, "bytes": record.len() }],
    });
    let manifest =
        serde_json::to_vec_pretty(&manifest).map_err(|e| WireError::Package(e.to_string()))?;
    let local = taipei.unix_timestamp() + i64::from(taipei.offset().whole_seconds());
    let mut zip = platform::zip::ZipWriter::new(local);
    zip.add(&name, &record)
        .and_then(|()| zip.add("manifest.json", &manifest))
        .map_err(|e| WireError::Package(e.to_string()))?;
    zip.finish().map_err(|e| WireError::Package(e.to_string()))
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockModeDecrypt;

    #[test]
    fn the_secret_key_is_48_bytes_of_cbc_that_decrypt_to_the_key() {
        let key = [7u8; 32];
        let b64 = encrypt_secret_key(crate::DEMO_CLIENT_SECRET, crate::DEMO_IV, &key).unwrap();
        let mut bytes = STANDARD.decode(&b64).unwrap();
        assert_eq!(bytes.len(), 48);
        let plain = cbc::Decryptor::<aes::Aes256>::new_from_slices(
            crate::DEMO_CLIENT_SECRET.as_bytes(),
            crate::DEMO_IV.as_bytes(),
        )
        .unwrap()
        .decrypt_padded::<Pkcs7>(&mut bytes)
        .unwrap();
        assert_eq!(plain, key);
        assert!(matches!(
            encrypt_secret_key("short", crate::DEMO_IV, &key),
            Err(WireError::KeyOrIv)
        ));
    }

    #[test]
    fn a_jwe_has_five_parts_an_empty_key_and_opens_with_its_header_as_aad() {
        let key = [9u8; 32];
        let jwe = seal_data(&key, "CIVICDESK.zip", b"PK").unwrap();
        let parts: Vec<&str> = jwe.split('.').collect();
        assert_eq!(parts.len(), 5);
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts[0]).unwrap(),
            JWE_HEADER.as_bytes()
        );
        assert!(parts[1].is_empty());
        let iv = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        assert_eq!(iv.len(), 12);
        let mut sealed = URL_SAFE_NO_PAD.decode(parts[3]).unwrap();
        let tag = URL_SAFE_NO_PAD.decode(parts[4]).unwrap();
        assert_eq!(tag.len(), 16);
        sealed.extend_from_slice(&tag);
        let iv: [u8; 12] = iv.try_into().unwrap();
        let plain = aes_gcm::Aes256Gcm::new(&key.into())
            .decrypt(
                &iv.into(),
                Payload {
                    msg: &sealed,
                    aad: parts[0].as_bytes(),
                },
            )
            .unwrap();
        let payload: serde_json::Value = serde_json::from_slice(&plain).unwrap();
        assert_eq!(payload["filename"], "CIVICDESK.zip");
        assert_eq!(payload["data"], "application/zip;data:UEs=");
    }
}
