//! Credential sealing: AES-256-GCM envelope encryption.
//!
//! Every credential gets its own random 256-bit data key; the plaintext is encrypted with it
//! under a fresh random 96-bit nonce, with the connection id as associated data (a row copied
//! to another connection does not open). The data key is itself encrypted ("wrapped") by the
//! master key, again with a fresh nonce and the connection id and key id as associated data.
//! Rows carry the master key's id, so rotation re-wraps data keys without touching ciphertext.
//!
//! The master key never enters the database. It comes from `SKYWARDEN_MASTER_KEY` (base64 of
//! 32 bytes) or a key file holding the same (a file readable by group or others is refused).
//! Its id is the first 16 hex digits of SHA-256 over a domain tag and the key: it names the
//! key without revealing it. Key material and plaintexts are zeroized when dropped.

use std::fmt;
use std::path::Path;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::StoreError;

/// The environment variable holding the base64 master key.
pub const MASTER_KEY_ENV: &str = "SKYWARDEN_MASTER_KEY";

const NONCE_LEN: usize = 12;

/// The key that wraps every credential's data key. Debug shows only the id.
pub struct MasterKey {
    id: String,
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey").field("id", &self.id).finish()
    }
}

fn key_error(reason: impl Into<String>) -> StoreError {
    StoreError::MasterKey(reason.into())
}

impl MasterKey {
    /// From 32 raw bytes.
    pub fn from_bytes(mut bytes: [u8; 32]) -> MasterKey {
        let mut h = Sha256::new();
        h.update(b"skywarden-master-key-id\0");
        h.update(bytes);
        let id = hex::encode(&h.finalize()[..8]);
        let key = Zeroizing::new(bytes);
        bytes.zeroize();
        MasterKey { id, key }
    }

    /// From base64 (standard alphabet, padding optional) of exactly 32 bytes. The error never
    /// contains the input.
    pub fn from_base64(text: &str) -> Result<MasterKey, StoreError> {
        let text = Zeroizing::new(text.trim().to_string());
        let decoded = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .or_else(|_| {
                    base64::engine::general_purpose::STANDARD_NO_PAD.decode(text.as_bytes())
                })
                .map_err(|_| key_error("the master key is not valid base64"))?,
        );
        let bytes: [u8; 32] = decoded.as_slice().try_into().map_err(|_| {
            key_error(format!(
                "the master key must be 32 bytes (base64 of 32 random bytes, e.g. `openssl rand -base64 32`), got {}",
                decoded.len()
            ))
        })?;
        Ok(MasterKey::from_bytes(bytes))
    }

    /// From a key file holding the base64 key. Refused when group or others may read it.
    pub fn from_file(path: &Path) -> Result<MasterKey, StoreError> {
        let shown = path.display();
        let meta = std::fs::metadata(path)
            .map_err(|e| key_error(format!("cannot read the key file {shown}: {e}")))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(key_error(format!(
                    "the key file {shown} is readable by group or others (mode {mode:o}); chmod 600 it"
                )));
            }
        }
        if !meta.is_file() {
            return Err(key_error(format!("the key file {shown} is not a file")));
        }
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| key_error(format!("cannot read the key file {shown}: {e}")))?,
        );
        MasterKey::from_base64(&text)
            .map_err(|e| key_error(format!("key file {shown}: {}", e.reason())))
    }

    /// A fresh random key (for `skywarden keys generate`).
    pub fn generate() -> MasterKey {
        let mut key = Aes256Gcm::generate_key(OsRng);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(key.as_slice());
        key.as_mut_slice().zeroize();
        MasterKey::from_bytes(bytes)
    }

    /// The base64 form, for writing a generated key to a file.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(self.key.as_slice()))
    }

    /// The key's public id (recorded on every sealed row).
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.key.as_slice()))
    }
}

/// A sealed credential as stored: nothing here is secret without the master key.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Id of the master key that wrapped the data key.
    pub key_id: String,
    /// nonce (12 bytes) || AES-256-GCM(master key, data key).
    pub wrapped_key: Vec<u8>,
    /// nonce (12 bytes) || AES-256-GCM(data key, plaintext).
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("key_id", &self.key_id)
            .field("ciphertext_len", &self.ciphertext.len())
            .finish()
    }
}

fn wrap_aad(connection_id: &str, key_id: &str) -> Vec<u8> {
    let mut aad = b"skywarden-dek\0".to_vec();
    aad.extend_from_slice(connection_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(key_id.as_bytes());
    aad
}

fn encrypt(cipher: &Aes256Gcm, msg: &[u8], aad: &[u8]) -> Result<Vec<u8>, StoreError> {
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ct = cipher
        .encrypt(&nonce, Payload { msg, aad })
        .map_err(|_| StoreError::Sealing("encryption failed".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(out)
}

fn decrypt(
    cipher: &Aes256Gcm,
    sealed: &[u8],
    aad: &[u8],
    what: &str,
) -> Result<Zeroizing<Vec<u8>>, StoreError> {
    if sealed.len() < NONCE_LEN + 16 {
        return Err(StoreError::Sealing(format!("{what} is truncated")));
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| {
            StoreError::Sealing(format!(
                "{what} does not authenticate (tampered, moved to another connection, or another key)"
            ))
        })
}

/// Seals `plaintext` for `connection_id` under `master`.
pub fn seal(
    master: &MasterKey,
    connection_id: &str,
    plaintext: &[u8],
) -> Result<Sealed, StoreError> {
    let mut generated = Aes256Gcm::generate_key(OsRng);
    let data_key = Zeroizing::new(generated.to_vec());
    generated.as_mut_slice().zeroize();
    let data_cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&data_key));
    let ciphertext = encrypt(&data_cipher, plaintext, connection_id.as_bytes())?;
    let wrapped_key = encrypt(
        &master.cipher(),
        &data_key,
        &wrap_aad(connection_id, master.id()),
    )?;
    Ok(Sealed {
        key_id: master.id().to_string(),
        wrapped_key,
        ciphertext,
    })
}

fn unwrap_key(
    master: &MasterKey,
    connection_id: &str,
    sealed: &Sealed,
) -> Result<Zeroizing<Vec<u8>>, StoreError> {
    if sealed.key_id != master.id() {
        return Err(StoreError::Sealing(format!(
            "sealed with master key {}, but the configured key is {}",
            sealed.key_id,
            master.id()
        )));
    }
    let key = decrypt(
        &master.cipher(),
        &sealed.wrapped_key,
        &wrap_aad(connection_id, &sealed.key_id),
        "the wrapped data key",
    )?;
    if key.len() != 32 {
        return Err(StoreError::Sealing(
            "the data key has the wrong length".into(),
        ));
    }
    Ok(key)
}

/// Opens a credential sealed for `connection_id`. The plaintext is zeroized when dropped.
pub fn open(
    master: &MasterKey,
    connection_id: &str,
    sealed: &Sealed,
) -> Result<Zeroizing<Vec<u8>>, StoreError> {
    let key = unwrap_key(master, connection_id, sealed)?;
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
    decrypt(
        &cipher,
        &sealed.ciphertext,
        connection_id.as_bytes(),
        "the credential",
    )
}

/// Re-wraps the data key of `sealed` from `old` to `new`; the ciphertext is unchanged.
pub fn rewrap(
    old: &MasterKey,
    new: &MasterKey,
    connection_id: &str,
    sealed: &Sealed,
) -> Result<Sealed, StoreError> {
    let key = unwrap_key(old, connection_id, sealed)?;
    let wrapped_key = encrypt(&new.cipher(), &key, &wrap_aad(connection_id, new.id()))?;
    Ok(Sealed {
        key_id: new.id().to_string(),
        wrapped_key,
        ciphertext: sealed.ciphertext.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_fresh_nonces_and_bound_to_the_connection() {
        let k = MasterKey::generate();
        let a = seal(&k, "aws-1", b"AKIA secret").unwrap();
        let b = seal(&k, "aws-1", b"AKIA secret").unwrap();
        assert_ne!(
            a.ciphertext, b.ciphertext,
            "fresh data key and nonce per seal"
        );
        assert_ne!(a.wrapped_key[..NONCE_LEN], b.wrapped_key[..NONCE_LEN]);
        assert_eq!(open(&k, "aws-1", &a).unwrap().as_slice(), b"AKIA secret");
        assert!(matches!(open(&k, "aws-2", &a), Err(StoreError::Sealing(_))));
    }

    #[test]
    fn tampering_and_wrong_keys_are_detected() {
        let k = MasterKey::generate();
        let s = seal(&k, "c", b"secret").unwrap();
        for i in [0, NONCE_LEN, s.ciphertext.len() - 1] {
            let mut t = s.clone();
            t.ciphertext[i] ^= 1;
            assert!(open(&k, "c", &t).is_err(), "flip at {i}");
        }
        let mut t = s.clone();
        t.wrapped_key[NONCE_LEN + 3] ^= 0x80;
        assert!(open(&k, "c", &t).is_err());
        let mut t = s.clone();
        t.ciphertext.truncate(5);
        assert!(open(&k, "c", &t).is_err());
        let other = MasterKey::generate();
        assert!(open(&other, "c", &s).is_err());
        // Even with the id forged, another key does not open it.
        let mut forged = s.clone();
        forged.key_id = other.id().to_string();
        assert!(open(&other, "c", &forged).is_err());
    }

    #[test]
    fn rewrap_keeps_the_ciphertext_and_moves_to_the_new_key() {
        let (old, new) = (MasterKey::generate(), MasterKey::generate());
        let s = seal(&old, "c", b"secret").unwrap();
        let r = rewrap(&old, &new, "c", &s).unwrap();
        assert_eq!(r.ciphertext, s.ciphertext);
        assert_eq!(r.key_id, new.id());
        assert_eq!(open(&new, "c", &r).unwrap().as_slice(), b"secret");
        assert!(open(&old, "c", &r).is_err());
    }

    #[test]
    fn master_keys_parse_strictly_and_never_echo_the_input() {
        let k = MasterKey::generate();
        let b64 = k.to_base64();
        let back = MasterKey::from_base64(&b64).unwrap();
        assert_eq!(back.id(), k.id());
        assert_eq!(k.id().len(), 16);
        for bad in ["", "not base64 at all!", "c2hvcnQ="] {
            let e = MasterKey::from_base64(bad).unwrap_err().to_string();
            assert!(matches!(
                MasterKey::from_base64(bad),
                Err(StoreError::MasterKey(_))
            ));
            if !bad.is_empty() {
                assert!(!e.contains(bad), "{e}");
            }
        }
        assert!(!format!("{k:?}").contains(b64.as_str()));
    }

    #[cfg(unix)]
    #[test]
    fn key_files_readable_by_others_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("master.key");
        std::fs::write(&p, MasterKey::generate().to_base64().as_bytes()).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = MasterKey::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("readable by group or others"), "{e}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(MasterKey::from_file(&p).is_ok());
        assert!(MasterKey::from_file(&dir.path().join("missing")).is_err());
    }
}
