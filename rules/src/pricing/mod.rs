//! The versioned price table used by cost rules, configuration overrides of it, and cost
//! totals over findings.
//!
//! # Tables
//!
//! Every figure is a USD on-demand list price, compiled by hand from the providers' public
//! pricing pages. The build machine has no web access, so figures were checked against stored
//! public copies (cost-estimator golden files, AWS/Azure documentation excerpts, third-party
//! copies of the pricing pages); each submodule says, per group, which figures that check
//! confirmed and which are **not re-verified**. Re-verify against the live pages before
//! relying on an unconfirmed figure, or override it from configuration ([`PriceOverrides`]).
//!
//! | table | version | compiled | module |
//! |---|---|---|---|
//! | Amazon EBS volumes | [`EBS_TABLE_VERSION`] | 2026-11-23 | [`aws`] |
//! | other AWS: EBS snapshots, public IPv4, ALB/NLB, NAT gateway, EC2 | [`AWS_TABLE_VERSION`] | 2026-12-02 | [`aws`] |
//! | Azure: managed disks, public IPs, snapshots | [`AZURE_TABLE_VERSION`] | 2026-12-02 | [`azure`] |
//!
//! A month is [`HOURS_PER_MONTH`] hours. Estimates are rounded to cents once, after summing
//! their components.
//!
//! # Price keys
//!
//! Every price has one key `service:item:region[:dimension]`, e.g. `ebs:gp3:us-east-1:iops`,
//! `ec2:m5.large:eu-west-1`, `elb:alb:us-east-1:hour`, `azure-disk:p10-lrs:eastus`.
//! [`PriceTable::keys`] lists them all with unit and source; the key is also the
//! `price_key` of the matching [`CostComponent`]. For EBS volume storage the dimension may be
//! left out in overrides: `ebs:gp3:us-east-1` means `ebs:gp3:us-east-1:storage`.
//!
//! # Region fallback
//!
//! A region (or Azure location) without an entry for the priced item is priced at the
//! reference region of that table ([`AWS_REFERENCE_REGION`], [`AZURE_REFERENCE_LOCATION`]) and
//! the basis says `region_fallback: true`. An override of the reference region's key therefore
//! also applies to regions that fall back to it. An unknown item (volume type, instance type,
//! disk SKU) is not priced at all.
//!
//! # Overrides
//!
//! [`PriceTable::with_overrides`] replaces single prices (e.g. negotiated rates) and applies a
//! flat `discount_percent` (e.g. an enterprise discount) to every estimate. The basis of an
//! estimate that used an overridden price says `<version>+overrides`; a discounted estimate
//! says `+discount` and carries the discount as its own negative component, so the
//! components still add up to the estimate.

pub mod aws;
pub mod azure;
mod totals;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::finding::{CostComponent, PricingBasis};

pub use aws::{
    EbsPrices, LbType, AWS_REFERENCE_REGION, AWS_TABLE_VERSION, EBS_REFERENCE_REGION,
    EBS_TABLE_VERSION, GP3_BASELINE_IOPS, GP3_BASELINE_THROUGHPUT_MIBPS, IO2_TIER1_MAX_IOPS,
    IO2_TIER2_MAX_IOPS,
};
pub use azure::{
    azure_disk_tier, AzureDiskSku, AzureDiskTier, AzurePublicIpSku, AzureSnapshotSku,
    AZURE_REFERENCE_LOCATION, AZURE_TABLE_VERSION,
};
pub use totals::{cost_totals, CostTotals, UNTAGGED};

/// Hours in a billing month, as the providers' calculators use.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Errors of the pricing module: invalid price overrides or names it cannot price.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PricingError {
    #[error(
        "unknown price key {key:?} in the price overrides: {hint} (see `skywarden pricing list`)"
    )]
    UnknownKey { key: String, hint: String },
    #[error("price key {0:?} is given twice in the price overrides (once with its dimension, once without)")]
    DuplicateKey(String),
    #[error("price override for {key:?} must be a finite number >= 0, got {value}")]
    InvalidPrice { key: String, value: f64 },
    #[error("discount_percent must be a number from 0 to 100, got {0}")]
    InvalidDiscount(f64),
    #[error("unknown Azure {what} {value:?} (expected {expected})")]
    UnknownAzureSku {
        what: &'static str,
        value: String,
        expected: &'static str,
    },
}

/// Price overrides from configuration, e.g.
///
/// ```toml
/// [pricing]
/// discount_percent = 12          # EDP: applied to every estimate
/// [pricing.prices]               # USD per unit of the key (see `skywarden pricing list`)
/// "ebs:gp3:us-east-1" = 0.07
/// "ec2:m5.large:eu-west-1" = 0.1
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceOverrides {
    /// `price_key -> USD per unit`; every key must exist in the built-in table.
    #[serde(default)]
    pub prices: BTreeMap<String, f64>,
    /// A flat discount on every estimate, 0 to 100.
    #[serde(default)]
    pub discount_percent: Option<f64>,
}

/// One price of the table, as [`PriceTable::keys`] lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceEntry {
    /// `service:item:region[:dimension]`.
    pub key: String,
    /// USD per `unit`, after overrides.
    pub usd_per_unit: f64,
    /// e.g. `GiB-month`, `hour`, `disk-month`.
    pub unit: &'static str,
    /// Version of the built-in table the entry belongs to.
    pub table_version: &'static str,
    /// The public pricing page the built-in figure was compiled from.
    pub source: &'static str,
    /// True when configuration replaced the built-in figure.
    pub overridden: bool,
}

impl PriceEntry {
    fn builtin(
        key: String,
        usd_per_unit: f64,
        unit: &'static str,
        table_version: &'static str,
        source: &'static str,
    ) -> Self {
        PriceEntry {
            key,
            usd_per_unit,
            unit,
            table_version,
            source,
            overridden: false,
        }
    }
}

/// On-demand prices in USD. [`PriceTable::default`] is the built-in table;
/// [`PriceTable::with_overrides`] applies configuration on top of it.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    /// Canonical price key -> USD per unit.
    overrides: BTreeMap<String, f64>,
    /// 0 to 100.
    discount_percent: f64,
}

/// Rounds a USD amount to cents.
fn cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

/// Every built-in price, sorted by key.
fn builtin_entries() -> Vec<PriceEntry> {
    let mut out = Vec::new();
    aws::entries(&mut out);
    azure::entries(&mut out);
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// The longest colon-separated prefix of `key` that some valid key starts with, and one such
/// key, as a hint for a mistyped override.
fn nearest_prefix_hint(key: &str, known: &BTreeSet<&str>) -> String {
    let parts: Vec<&str> = key.split(':').collect();
    for n in (1..parts.len()).rev() {
        let prefix = format!("{}:", parts[..n].join(":"));
        if let Some(example) = known.iter().find(|k| k.starts_with(&prefix)) {
            return format!("valid keys starting with {prefix:?} include {example:?}");
        }
    }
    let services: BTreeSet<&str> = known.iter().filter_map(|k| k.split(':').next()).collect();
    let services: Vec<&str> = services.into_iter().collect();
    format!("keys start with one of {}", services.join(", "))
}

impl PriceTable {
    /// The built-in table with `overrides` applied. Every key must exist in the table (EBS
    /// storage keys may leave out `:storage`), every price must be finite and >= 0, and the
    /// discount must be from 0 to 100.
    pub fn with_overrides(overrides: PriceOverrides) -> Result<PriceTable, PricingError> {
        let entries = builtin_entries();
        let known: BTreeSet<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        let mut table = PriceTable::default();
        for (key, value) in overrides.prices {
            let canonical = if known.contains(key.as_str()) {
                key.clone()
            } else {
                let storage = format!("{key}:storage");
                if key.starts_with("ebs:") && known.contains(storage.as_str()) {
                    storage
                } else {
                    let hint = nearest_prefix_hint(&key, &known);
                    return Err(PricingError::UnknownKey { key, hint });
                }
            };
            if !value.is_finite() || value < 0.0 {
                return Err(PricingError::InvalidPrice { key, value });
            }
            if table.overrides.insert(canonical, value).is_some() {
                return Err(PricingError::DuplicateKey(key));
            }
        }
        if let Some(d) = overrides.discount_percent {
            if !d.is_finite() || !(0.0..=100.0).contains(&d) {
                return Err(PricingError::InvalidDiscount(d));
            }
            table.discount_percent = d;
        }
        Ok(table)
    }

    /// Version of the built-in EBS table, kept for callers that predate the other tables; see
    /// [`PriceTable::versions`] for all of them.
    pub fn version(&self) -> &'static str {
        EBS_TABLE_VERSION
    }

    /// Every built-in table version.
    pub fn versions(&self) -> [&'static str; 3] {
        [EBS_TABLE_VERSION, AWS_TABLE_VERSION, AZURE_TABLE_VERSION]
    }

    /// True when configuration changed any price or set a discount.
    pub fn is_overridden(&self) -> bool {
        !self.overrides.is_empty() || self.discount_percent > 0.0
    }

    /// The configured flat discount, 0 to 100.
    pub fn discount_percent(&self) -> f64 {
        self.discount_percent
    }

    /// Every price key, sorted, with its effective price, unit and source.
    pub fn keys(&self) -> impl Iterator<Item = PriceEntry> {
        let mut entries = builtin_entries();
        for e in &mut entries {
            if let Some(v) = self.overrides.get(&e.key) {
                e.usd_per_unit = *v;
                e.overridden = true;
            }
        }
        entries.into_iter()
    }

    /// The effective price of `key` given its built-in figure, and whether it was overridden.
    fn price(&self, key: &str, builtin: f64) -> (f64, bool) {
        match self.overrides.get(key) {
            Some(v) => (*v, true),
            None => (builtin, false),
        }
    }
}

/// An estimate being assembled: components priced through the table's overrides.
struct Estimate<'a> {
    table: &'a PriceTable,
    table_version: &'static str,
    region_fallback: bool,
    overridden: bool,
    components: Vec<CostComponent>,
}

impl<'a> Estimate<'a> {
    fn new(table: &'a PriceTable, table_version: &'static str, region_fallback: bool) -> Self {
        Estimate {
            table,
            table_version,
            region_fallback,
            overridden: false,
            components: Vec::new(),
        }
    }

    /// Adds `quantity` units of the price `key` (built-in figure `builtin`).
    fn add(&mut self, key: String, builtin: f64, unit: &str, quantity: f64) {
        let (unit_price, overridden) = self.table.price(&key, builtin);
        self.overridden |= overridden;
        self.components.push(CostComponent {
            price_key: key,
            unit_price_usd: unit_price,
            unit: unit.to_string(),
            quantity,
            monthly_usd: unit_price * quantity,
        });
    }

    /// The total rounded to cents and its basis; the first component is the basis' primary
    /// price, listed under `price_key`.
    fn finish(mut self, price_key: String) -> (f64, PricingBasis) {
        let (unit_price_usd, unit, quantity) = self
            .components
            .first()
            .map(|c| (c.unit_price_usd, c.unit.clone(), c.quantity))
            .unwrap_or_default();
        let list: f64 = self.components.iter().map(|c| c.monthly_usd).sum();
        let mut version = self.table_version.to_string();
        if self.overridden {
            version.push_str("+overrides");
        }
        let discount = self.table.discount_percent;
        let mut total = list;
        if discount > 0.0 {
            version.push_str("+discount");
            let line = CostComponent {
                price_key: "discount_percent".to_string(),
                unit_price_usd: -list / 100.0,
                unit: "percent".to_string(),
                quantity: discount,
                monthly_usd: -list * discount / 100.0,
            };
            total += line.monthly_usd;
            self.components.push(line);
        }
        let basis = PricingBasis {
            table_version: version,
            price_key,
            unit_price_usd,
            unit,
            quantity,
            region_fallback: self.region_fallback,
            components: self.components,
        };
        (cents(total), basis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use skywarden_graph::model::VolumeType;
    use skywarden_graph::Region;

    fn region(s: &str) -> Region {
        s.parse().unwrap()
    }

    fn overrides(prices: &[(&str, f64)], discount: Option<f64>) -> PriceOverrides {
        PriceOverrides {
            prices: prices.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            discount_percent: discount,
        }
    }

    #[test]
    fn every_key_is_unique_and_every_price_finite_and_positive() {
        let entries: Vec<PriceEntry> = PriceTable::default().keys().collect();
        assert!(entries.len() > 500, "{}", entries.len());
        let unique: BTreeSet<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(unique.len(), entries.len(), "duplicate price keys");
        for e in &entries {
            assert!(e.usd_per_unit.is_finite() && e.usd_per_unit > 0.0, "{e:?}");
            assert!(!e.overridden);
            assert!(e.source.starts_with("https://"), "{e:?}");
            let parts: Vec<&str> = e.key.split(':').collect();
            assert!((3..=4).contains(&parts.len()), "{}", e.key);
            assert!(parts.iter().all(|p| !p.is_empty()), "{}", e.key);
            assert_eq!(e.key, e.key.to_lowercase(), "keys are lowercase");
            assert!(
                [EBS_TABLE_VERSION, AWS_TABLE_VERSION, AZURE_TABLE_VERSION]
                    .contains(&e.table_version),
                "{e:?}"
            );
        }
        // The region is always the third part and parses where it is an AWS region.
        for e in entries.iter().filter(|e| !e.key.starts_with("azure-")) {
            let r = e.key.split(':').nth(2).unwrap();
            assert!(r.parse::<Region>().is_ok(), "{}", e.key);
        }
    }

    #[test]
    fn every_component_key_of_an_estimate_is_a_listed_key() {
        let t = PriceTable::default();
        let known: BTreeSet<String> = t.keys().map(|e| e.key).collect();
        let r = region("eu-west-1");
        let mut bases = vec![
            t.ebs_monthly(&r, VolumeType::Io2, 100, Some(70_000), None)
                .unwrap()
                .1,
            t.ebs_monthly(&r, VolumeType::Gp3, 100, Some(4000), Some(200))
                .unwrap()
                .1,
            t.snapshot_monthly(&r, 10, true).unwrap().1,
            t.eip_idle_monthly(&r).unwrap().1,
            t.load_balancer_monthly(&r, LbType::Network).unwrap().1,
            t.nat_gateway_monthly(&r).unwrap().1,
            t.ec2_instance_monthly(&r, "r6i.2xlarge").unwrap().1,
            t.azure_disk_monthly("northeurope", AzureDiskSku::PremiumLrs, 100)
                .unwrap()
                .1,
            t.azure_public_ip_monthly("westus2", AzurePublicIpSku::Standard)
                .unwrap()
                .1,
            t.azure_snapshot_monthly("eastus", 10, AzureSnapshotSku::PremiumLrs)
                .unwrap()
                .1,
        ];
        bases.push(
            t.ebs_monthly(&region("af-south-1"), VolumeType::Sc1, 1, None, None)
                .unwrap()
                .1,
        );
        for b in &bases {
            assert!(!b.components.is_empty(), "{b:?}");
            for c in &b.components {
                assert!(known.contains(&c.price_key), "{}", c.price_key);
            }
        }
    }

    #[test]
    fn overrides_replace_prices_and_mark_the_basis() {
        let t = PriceTable::with_overrides(overrides(
            &[("ebs:gp3:us-east-1", 0.07), ("ec2:m5.large:eu-west-1", 0.1)],
            None,
        ))
        .unwrap();
        assert!(t.is_overridden());
        // 100 GiB * 0.07
        let (usd, basis) = t
            .ebs_monthly(&region("us-east-1"), VolumeType::Gp3, 100, None, None)
            .unwrap();
        assert_eq!(usd, 7.00);
        assert_eq!(basis.table_version, "aws-ebs-2026-11+overrides");
        assert_eq!(basis.unit_price_usd, 0.07);
        // The override of the reference region also prices regions that fall back to it.
        let (usd, basis) = t
            .ebs_monthly(&region("af-south-1"), VolumeType::Gp3, 100, None, None)
            .unwrap();
        assert_eq!((usd, basis.region_fallback), (7.00, true));
        // Other prices of the same volume keep their built-in figures: 3000 * 0.005 more.
        let (usd, basis) = t
            .ebs_monthly(&region("us-east-1"), VolumeType::Gp3, 100, Some(6000), None)
            .unwrap();
        assert_eq!(usd, 22.00);
        assert_eq!(basis.components[1].unit_price_usd, 0.005);
        // 730 h * 0.1
        let (usd, basis) = t
            .ec2_instance_monthly(&region("eu-west-1"), "m5.large")
            .unwrap();
        assert_eq!(usd, 73.00);
        assert_eq!(basis.table_version, "aws-2026-12+overrides");
        // Untouched estimates keep the plain version.
        let (usd, basis) = t
            .ec2_instance_monthly(&region("eu-west-1"), "m5.xlarge")
            .unwrap();
        assert_eq!((usd, basis.table_version.as_str()), (156.22, "aws-2026-12"));
        // The listing shows the effective price.
        let listed = t
            .keys()
            .find(|e| e.key == "ebs:gp3:us-east-1:storage")
            .unwrap();
        assert_eq!((listed.usd_per_unit, listed.overridden), (0.07, true));
        // A zero price is allowed (e.g. a free allowance).
        let t = PriceTable::with_overrides(overrides(&[("vpc:public-ipv4:us-east-1", 0.0)], None))
            .unwrap();
        assert_eq!(t.eip_idle_monthly(&region("us-east-1")).unwrap().0, 0.0);
    }

    #[test]
    fn discount_applies_to_every_estimate_as_its_own_component() {
        let t = PriceTable::with_overrides(overrides(&[], Some(10.0))).unwrap();
        // 100 GiB gp3 in us-east-1 = 8.00 list, less 10 %.
        let (usd, basis) = t
            .ebs_monthly(&region("us-east-1"), VolumeType::Gp3, 100, None, None)
            .unwrap();
        assert_eq!(usd, 7.20);
        assert_eq!(basis.table_version, "aws-ebs-2026-11+discount");
        let last = basis.components.last().unwrap();
        assert_eq!(last.price_key, "discount_percent");
        assert!((last.monthly_usd + 0.80).abs() < 1e-9);
        let sum: f64 = basis.components.iter().map(|c| c.monthly_usd).sum();
        assert!((sum - 7.20).abs() < 1e-9);
        // Azure too: P10 19.71 less 10 % = 17.739.
        let (usd, basis) = t
            .azure_disk_monthly("eastus", AzureDiskSku::PremiumLrs, 128)
            .unwrap();
        assert_eq!(usd, 17.74);
        assert_eq!(basis.table_version, "azure-2026-12+discount");
        // Overrides and discount together.
        let t =
            PriceTable::with_overrides(overrides(&[("ec2:t3.micro:us-east-1", 0.01)], Some(50.0)))
                .unwrap();
        let (usd, basis) = t
            .ec2_instance_monthly(&region("us-east-1"), "t3.micro")
            .unwrap();
        assert_eq!(usd, 3.65);
        assert_eq!(basis.table_version, "aws-2026-12+overrides+discount");
    }

    #[test]
    fn unknown_keys_are_rejected_with_a_hint() {
        let err = PriceTable::with_overrides(overrides(&[("ec2:m5.large:af-south-1", 0.1)], None))
            .unwrap_err();
        let PricingError::UnknownKey { key, hint } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(key, "ec2:m5.large:af-south-1");
        assert!(hint.contains("\"ec2:m5.large:\""), "{hint}");
        assert!(err.to_string().contains("ec2:m5.large:af-south-1"));

        let err =
            PriceTable::with_overrides(overrides(&[("ebs:gp4:us-east-1", 0.1)], None)).unwrap_err();
        assert!(err.to_string().contains("\"ebs:\""), "{err}");

        let err = PriceTable::with_overrides(overrides(&[("s3:standard:us-east-1", 0.1)], None))
            .unwrap_err();
        assert!(err.to_string().contains("azure-disk"), "{err}");

        // The storage alias applies to EBS only.
        assert!(PriceTable::with_overrides(overrides(&[("ec2:m5.large", 0.1)], None)).is_err());
        // The same price twice, with and without its dimension.
        let err = PriceTable::with_overrides(overrides(
            &[
                ("ebs:gp2:us-east-1", 0.1),
                ("ebs:gp2:us-east-1:storage", 0.1),
            ],
            None,
        ))
        .unwrap_err();
        assert!(matches!(err, PricingError::DuplicateKey(_)), "{err:?}");
    }

    #[test]
    fn invalid_values_are_rejected() {
        for bad in [-0.01, f64::NAN, f64::INFINITY] {
            let err =
                PriceTable::with_overrides(overrides(&[("ec2:t3.micro:us-east-1", bad)], None))
                    .unwrap_err();
            assert!(
                matches!(&err, PricingError::InvalidPrice { key, .. } if key == "ec2:t3.micro:us-east-1"),
                "{err:?}"
            );
        }
        for bad in [-1.0, 100.5, f64::NAN] {
            let err = PriceTable::with_overrides(overrides(&[], Some(bad))).unwrap_err();
            assert!(matches!(err, PricingError::InvalidDiscount(_)), "{err:?}");
        }
        assert!(PriceTable::with_overrides(overrides(&[], Some(0.0))).is_ok());
        assert!(PriceTable::with_overrides(overrides(&[], Some(100.0))).is_ok());
        assert!(!PriceTable::with_overrides(PriceOverrides::default())
            .unwrap()
            .is_overridden());
    }

    #[test]
    fn overrides_deserialize_strictly() {
        let o: PriceOverrides = serde_json::from_str(
            r#"{"prices": {"ebs:gp3:us-east-1": 0.07}, "discount_percent": 12}"#,
        )
        .unwrap();
        assert_eq!(o.prices["ebs:gp3:us-east-1"], 0.07);
        assert_eq!(o.discount_percent, Some(12.0));
        let empty: PriceOverrides = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, PriceOverrides::default());
        assert!(serde_json::from_str::<PriceOverrides>(r#"{"discount": 12}"#).is_err());
    }

    #[test]
    fn versions_are_listed() {
        let t = PriceTable::default();
        assert_eq!(t.version(), EBS_TABLE_VERSION);
        assert_eq!(
            t.versions(),
            ["aws-ebs-2026-11", "aws-2026-12", "azure-2026-12"]
        );
        assert!(!t.is_overridden());
        assert_eq!(t.discount_percent(), 0.0);
    }
}
