//! The daemon's master keys. One key is configured (`[vault] key_file`,
//! SKYWARDEN_MASTER_KEY_FILE or SKYWARDEN_MASTER_KEY), optionally more (`extra_key_files`).
//! A credential sealed with a key the ring does not hold makes the ring re-read its files
//! once and try again: after `skywarden keys rotate` re-wraps the vault, replacing the key
//! file is enough, without a restart.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use anyhow::{bail, Context, Result};
use skywarden_graph::ConnectionId;
use skywarden_store::{CredentialKind, MasterKey, Store, StoreError, MASTER_KEY_ENV};
use zeroize::Zeroizing;

use crate::config::VaultConfig;

pub const MASTER_KEY_FILE_ENV: &str = "SKYWARDEN_MASTER_KEY_FILE";

#[derive(Debug)]
pub struct KeyRing {
    files: Vec<PathBuf>,
    from_env: Option<Arc<MasterKey>>,
    keys: RwLock<Vec<Arc<MasterKey>>>,
}

impl KeyRing {
    /// The configured keys; an empty ring when none is configured (credentials then cannot
    /// be stored or opened, everything else works).
    pub fn load(cfg: &VaultConfig) -> Result<KeyRing> {
        let mut files = Vec::new();
        if let Some(f) = &cfg.key_file {
            files.push(f.clone());
        } else if let Some(f) = std::env::var_os(MASTER_KEY_FILE_ENV) {
            files.push(PathBuf::from(f));
        }
        files.extend(cfg.extra_key_files.iter().cloned());
        let from_env = if files.is_empty() {
            match std::env::var(MASTER_KEY_ENV) {
                Ok(v) => Some(Arc::new(
                    MasterKey::from_base64(&Zeroizing::new(v)).context(MASTER_KEY_ENV)?,
                )),
                Err(std::env::VarError::NotPresent) => None,
                Err(std::env::VarError::NotUnicode(_)) => {
                    bail!("{MASTER_KEY_ENV} is not valid UTF-8")
                }
            }
        } else {
            None
        };
        let ring = KeyRing {
            files,
            from_env,
            keys: RwLock::new(Vec::new()),
        };
        let keys = ring.read_keys()?;
        *ring.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
        Ok(ring)
    }

    fn read_keys(&self) -> Result<Vec<Arc<MasterKey>>> {
        let mut keys: Vec<Arc<MasterKey>> = self.from_env.iter().cloned().collect();
        for f in &self.files {
            let k = MasterKey::from_file(f)?;
            if !keys.iter().any(|x| x.id() == k.id()) {
                keys.push(Arc::new(k));
            }
        }
        Ok(keys)
    }

    fn snapshot(&self) -> Vec<Arc<MasterKey>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Re-reads the key files; keeps the old keys if a file is unreadable mid-rotation.
    fn reload(&self) -> bool {
        match self.read_keys() {
            Ok(keys) => {
                let changed = {
                    let old = self.keys.read().unwrap_or_else(|p| p.into_inner());
                    old.iter().map(|k| k.id()).collect::<Vec<_>>()
                        != keys.iter().map(|k| k.id()).collect::<Vec<_>>()
                };
                if changed {
                    tracing::info!(keys = keys.len(), "master key files re-read");
                    *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
                }
                changed
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot re-read the master key files");
                false
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.snapshot().is_empty()
    }

    /// The key new credentials are sealed with (the first configured one).
    pub fn primary(&self) -> Option<Arc<MasterKey>> {
        self.snapshot().into_iter().next()
    }

    /// Start-up check: some key of the ring opens the vault. A wrong key is an error that
    /// changes nothing; an empty ring is fine (no credentials can be used).
    pub async fn verify(&self, store: &Store) -> Result<()> {
        let keys = self.snapshot();
        if keys.is_empty() {
            return Ok(());
        }
        let mut last = None;
        for k in &keys {
            match store.verify_master_key(k).await {
                Ok(()) => return Ok(()),
                Err(e @ StoreError::MasterKey(_)) => last = Some(e),
                Err(e) => return Err(e.into()),
            }
        }
        match last {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Opens a connection's credential with whichever key it is sealed with, re-reading the
    /// key files once if none of the held keys fits.
    pub async fn open(
        &self,
        store: &Store,
        connection: &ConnectionId,
    ) -> Result<Option<(CredentialKind, Zeroizing<Vec<u8>>)>> {
        for attempt in 0..2 {
            let keys = self.snapshot();
            if keys.is_empty() && attempt == 0 {
                if !self.reload() {
                    break;
                }
                continue;
            }
            let mut last_err = None;
            for k in &keys {
                match store.open_credential(k, connection).await {
                    Ok(v) => return Ok(v),
                    Err(e @ (StoreError::Sealing(_) | StoreError::MasterKey(_))) => {
                        last_err = Some(e)
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            if attempt == 0 && self.reload() {
                continue;
            }
            if let Some(e) = last_err {
                return Err(e.into());
            }
        }
        bail!("connection {connection}: no master key is configured to open its credential (set {MASTER_KEY_FILE_ENV} or {MASTER_KEY_ENV})")
    }
}
