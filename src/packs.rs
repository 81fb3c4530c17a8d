//! Loading user rule packs from a directory: the I/O half (the rules crate parses and
//! type-checks sources it is handed, and never touches files).

use std::path::Path;

use anyhow::{bail, Context, Result};
use skywarden_rules::user::{Limits, PackSet, PackSource};
use skywarden_rules::{Engine, RuleSettings};

/// Largest pack file accepted.
const MAX_PACK_BYTES: u64 = 1024 * 1024;

/// Every `*.yaml` / `*.yml` file directly in `dir`, sorted by name.
pub fn read_dir(dir: &Path) -> Result<Vec<PackSource>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the rules directory {}", dir.display()))?;
    let mut paths = Vec::new();
    for e in entries {
        let e = e.with_context(|| format!("cannot read the rules directory {}", dir.display()))?;
        let p = e.path();
        let is_yaml = p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x.eq_ignore_ascii_case("yaml") || x.eq_ignore_ascii_case("yml"));
        if is_yaml && p.is_file() {
            paths.push(p);
        }
    }
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        let len = std::fs::metadata(&p)
            .with_context(|| format!("cannot read {}", p.display()))?
            .len();
        if len > MAX_PACK_BYTES {
            bail!(
                "{}: rule pack is {len} bytes, more than the {MAX_PACK_BYTES} accepted",
                p.display()
            );
        }
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
        out.push(PackSource {
            path: p.display().to_string(),
            text,
        });
    }
    Ok(out)
}

/// Loads and checks every pack in `dir` (all or nothing).
pub fn load(dir: &Path, limits: Limits) -> Result<PackSet> {
    let sources = read_dir(dir)?;
    PackSet::load_with_limits(&sources, limits)
        .map_err(|e| anyhow::anyhow!("rule packs in {} rejected:\n{e}", dir.display()))
}

/// The engine for a scan: built-ins, the packs of `dir` (if any), the settings.
pub fn engine(dir: Option<&Path>, settings: RuleSettings, limits: Limits) -> Result<Engine> {
    let packs = match dir {
        Some(d) => load(d, limits)?,
        None => PackSet::default(),
    };
    Engine::new(packs, settings).context("invalid [rules] settings")
}

/// The engine from the configuration: packs from `rules_dir` (the flag) or `[rules] dir`,
/// `[rules.limits]`, and `settings`.
pub fn engine_for(
    config: &crate::config::Config,
    rules_dir: Option<&Path>,
    settings: RuleSettings,
) -> Result<Engine> {
    let dir = rules_dir.or(config.rules.dir.as_deref());
    engine(dir, settings, config.rules.limits.limits())
}
