//! Azure prices: managed disks, public IP addresses and disk snapshots
//! ([`AZURE_TABLE_VERSION`], compiled 2026-12-02).
//!
//! USD pay-as-you-go list prices. Azure locations are ARM names (`eastus`, `westeurope`);
//! display names are accepted too (`West Europe`). A location without an entry for the
//! priced item is priced at [`AZURE_REFERENCE_LOCATION`] with `region_fallback`.
//!
//! As for the AWS tables, the live pages could not be fetched from the build machine;
//! "verified" means the figure matches a stored cost breakdown computed from the Azure retail
//! price list (infracost golden files) or a stored copy of the pricing page text.
//!
//! | group | source | status |
//! |---|---|---|
//! | managed disks, eastus | <https://azure.microsoft.com/en-us/pricing/details/managed-disks/> | S4 1.54, S10 5.89, E30 76.80, P10 19.71 verified (infracost golden files, eastus); P4 5.28 in a golden file of unstated location; S6-S50, E1-E50, P1-P3, P6, P15-P30 match third-party copies of the page; P20/P30 also a published article. E60-E80 follow the E tiers' constant 0.075 per GiB, **not re-verified**; S60-S80 and P40-P80 from memory, **not re-verified (low confidence)** |
//! | managed disks, westus2 | same | the eastus list, as the page showed it for the US regions, **not re-verified** |
//! | managed disks, westeurope | same | S10 5.89 verified (infracost golden file, West Europe). No other tier is listed: they fall back to eastus, flagged |
//! | managed disks, northeurope | same | none listed: every tier falls back to eastus, flagged |
//! | public IP addresses | <https://azure.microsoft.com/en-us/pricing/details/ip-addresses/> | Standard (regional, static) 0.005/h and Standard global tier 0.01/h verified for eastus (infracost golden file). Basic static 0.0036/h and Basic dynamic 0.004/h **not re-verified**; the Basic SKU was retired on 2025-09-30 and is priced only for legacy inventories. Other locations at the same rates, **not re-verified** |
//! | snapshots | <https://azure.microsoft.com/en-us/pricing/details/managed-disks/> (Snapshots) | Standard LRS 0.05 per GB-month verified for westeurope (infracost golden file) and in a stored copy of the page text (US), which also gives Standard ZRS 0.05 and Premium SSD storage 0.12; westus2 at the eastus rates **not re-verified**; northeurope falls back |
//!
//! # Model
//!
//! - Premium SSD, Standard SSD and Standard HDD disks bill a fixed monthly price per size
//!   tier: a disk is billed as the smallest tier at least as large as it
//!   ([`azure_disk_tier`]). Standard SSD and HDD also bill transactions; that is usage-based
//!   and not estimated. Only LRS disks are listed; ZRS, Premium SSD v2 and Ultra disks are not
//!   priced.
//! - Snapshots bill the used size, not the provisioned one. Incremental snapshots bill only
//!   the data changed since the previous snapshot and are always stored on Standard storage.
//! - Public IPs bill by the hour whether attached or not; a Basic dynamic address only while
//!   it is allocated (its resource running).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Estimate, PriceEntry, PriceTable, PricingError, HOURS_PER_MONTH};
use crate::finding::PricingBasis;

/// Version of the built-in Azure table, recorded in every [`PricingBasis`].
pub const AZURE_TABLE_VERSION: &str = "azure-2026-12";

/// The location whose prices are used for locations the table does not list.
pub const AZURE_REFERENCE_LOCATION: &str = "eastus";

const DISK_SOURCE: &str = "https://azure.microsoft.com/en-us/pricing/details/managed-disks/";
const IP_SOURCE: &str = "https://azure.microsoft.com/en-us/pricing/details/ip-addresses/";

/// A managed disk SKU that bills by size tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AzureDiskSku {
    /// Standard HDD, tiers S4-S80.
    #[serde(rename = "Standard_LRS")]
    StandardLrs,
    /// Standard SSD, tiers E1-E80.
    #[serde(rename = "StandardSSD_LRS")]
    StandardSsdLrs,
    /// Premium SSD, tiers P1-P80.
    #[serde(rename = "Premium_LRS")]
    PremiumLrs,
}

impl AzureDiskSku {
    pub const ALL: [AzureDiskSku; 3] = [
        AzureDiskSku::StandardLrs,
        AzureDiskSku::StandardSsdLrs,
        AzureDiskSku::PremiumLrs,
    ];
    /// The ARM name, e.g. `Premium_LRS`.
    pub fn as_str(self) -> &'static str {
        match self {
            AzureDiskSku::StandardLrs => "Standard_LRS",
            AzureDiskSku::StandardSsdLrs => "StandardSSD_LRS",
            AzureDiskSku::PremiumLrs => "Premium_LRS",
        }
    }
    fn tiers(self) -> &'static [(&'static str, i32)] {
        match self {
            AzureDiskSku::StandardLrs => HDD_TIERS,
            AzureDiskSku::StandardSsdLrs => STANDARD_SSD_TIERS,
            AzureDiskSku::PremiumLrs => PREMIUM_SSD_TIERS,
        }
    }
}

impl FromStr for AzureDiskSku {
    type Err = PricingError;
    fn from_str(s: &str) -> Result<Self, PricingError> {
        AzureDiskSku::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| PricingError::UnknownAzureSku {
                what: "disk SKU",
                value: s.chars().take(50).collect(),
                expected: "Standard_LRS, StandardSSD_LRS or Premium_LRS",
            })
    }
}

impl fmt::Display for AzureDiskSku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The billing tier of a managed disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AzureDiskTier {
    /// e.g. `P10`.
    pub name: &'static str,
    /// The largest size the tier covers, GiB.
    pub max_gib: i32,
}

/// (tier, largest size in GiB), ascending.
const HDD_TIERS: &[(&str, i32)] = &[
    ("S4", 32),
    ("S6", 64),
    ("S10", 128),
    ("S15", 256),
    ("S20", 512),
    ("S30", 1024),
    ("S40", 2048),
    ("S50", 4096),
    ("S60", 8192),
    ("S70", 16384),
    ("S80", 32767),
];
const STANDARD_SSD_TIERS: &[(&str, i32)] = &[
    ("E1", 4),
    ("E2", 8),
    ("E3", 16),
    ("E4", 32),
    ("E6", 64),
    ("E10", 128),
    ("E15", 256),
    ("E20", 512),
    ("E30", 1024),
    ("E40", 2048),
    ("E50", 4096),
    ("E60", 8192),
    ("E70", 16384),
    ("E80", 32767),
];
const PREMIUM_SSD_TIERS: &[(&str, i32)] = &[
    ("P1", 4),
    ("P2", 8),
    ("P3", 16),
    ("P4", 32),
    ("P6", 64),
    ("P10", 128),
    ("P15", 256),
    ("P20", 512),
    ("P30", 1024),
    ("P40", 2048),
    ("P50", 4096),
    ("P60", 8192),
    ("P70", 16384),
    ("P80", 32767),
];

/// The tier a disk of `size_gib` is billed as: the smallest one that fits. `None` for a size
/// below 1 GiB or above the largest tier.
pub fn azure_disk_tier(sku: AzureDiskSku, size_gib: i32) -> Option<AzureDiskTier> {
    if size_gib < 1 {
        return None;
    }
    sku.tiers()
        .iter()
        .find(|(_, max)| size_gib <= *max)
        .map(|(name, max)| AzureDiskTier {
            name,
            max_gib: *max,
        })
}

/// Monthly price per tier in the US regions' list.
const US_DISKS: &[(&str, f64)] = &[
    ("S4", 1.54),
    ("S6", 3.01),
    ("S10", 5.89),
    ("S15", 11.33),
    ("S20", 21.76),
    ("S30", 40.96),
    ("S40", 77.83),
    ("S50", 143.36),
    ("S60", 262.14),
    ("S70", 524.29),
    ("S80", 1048.58),
    ("E1", 0.30),
    ("E2", 0.60),
    ("E3", 1.20),
    ("E4", 2.40),
    ("E6", 4.80),
    ("E10", 9.60),
    ("E15", 19.20),
    ("E20", 38.40),
    ("E30", 76.80),
    ("E40", 153.60),
    ("E50", 307.20),
    ("E60", 614.40),
    ("E70", 1228.80),
    ("E80", 2457.60),
    ("P1", 0.77),
    ("P2", 1.54),
    ("P3", 3.08),
    ("P4", 5.28),
    ("P6", 10.21),
    ("P10", 19.71),
    ("P15", 38.02),
    ("P20", 73.22),
    ("P30", 135.17),
    ("P40", 259.05),
    ("P50", 495.57),
    ("P60", 946.08),
    ("P70", 1802.05),
    ("P80", 3604.10),
];

/// Managed disk monthly price per tier (LRS), per location, sorted.
static DISKS: &[(&str, &[(&str, f64)])] = &[
    ("eastus", US_DISKS),
    ("westeurope", &[("S10", 5.89)]),
    ("westus2", US_DISKS),
];

/// The public IP price items: (key item, USD per hour).
const PUBLIC_IP_RATES: &[(&str, f64)] = &[
    ("basic-dynamic", 0.004),
    ("basic-static", 0.0036),
    ("standard", 0.005),
    ("standard-global", 0.01),
];

/// Public IP hourly prices per location, sorted.
static PUBLIC_IPS: &[(&str, &[(&str, f64)])] = &[
    ("eastus", PUBLIC_IP_RATES),
    ("northeurope", PUBLIC_IP_RATES),
    ("westeurope", PUBLIC_IP_RATES),
    ("westus2", PUBLIC_IP_RATES),
];

/// Snapshot storage per GiB-month in the US regions' list.
const US_SNAPSHOTS: &[(&str, f64)] = &[
    ("premium_lrs", 0.12),
    ("standard_lrs", 0.05),
    ("standard_zrs", 0.05),
];

/// Snapshot storage per GiB-month per location, sorted.
static SNAPSHOTS: &[(&str, &[(&str, f64)])] = &[
    ("eastus", US_SNAPSHOTS),
    ("westeurope", &[("standard_lrs", 0.05)]),
    ("westus2", US_SNAPSHOTS),
];

/// A public IP address as it bills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AzurePublicIpSku {
    /// Standard SKU, regional tier (always static).
    Standard,
    /// Standard SKU, global tier (cross-region load balancers).
    StandardGlobal,
    /// Basic SKU, static allocation (retired 2025-09-30).
    BasicStatic,
    /// Basic SKU, dynamic allocation: billed only while allocated (retired 2025-09-30).
    BasicDynamic,
}

impl AzurePublicIpSku {
    /// The item of its price key, e.g. `standard-global`.
    pub fn as_str(self) -> &'static str {
        match self {
            AzurePublicIpSku::Standard => "standard",
            AzurePublicIpSku::StandardGlobal => "standard-global",
            AzurePublicIpSku::BasicStatic => "basic-static",
            AzurePublicIpSku::BasicDynamic => "basic-dynamic",
        }
    }

    /// From the ARM fields `sku.name` (`Basic`, `Standard`), `sku.tier` (`Regional`,
    /// `Global`; absent means regional) and `publicIPAllocationMethod` (`Static`, `Dynamic`;
    /// absent means static, the only method Standard supports).
    pub fn from_arm(
        sku_name: &str,
        tier: Option<&str>,
        allocation: Option<&str>,
    ) -> Result<Self, PricingError> {
        let global = tier.is_some_and(|t| t.eq_ignore_ascii_case("global"));
        let dynamic = allocation.is_some_and(|a| a.eq_ignore_ascii_case("dynamic"));
        if sku_name.eq_ignore_ascii_case("standard") {
            Ok(if global {
                AzurePublicIpSku::StandardGlobal
            } else {
                AzurePublicIpSku::Standard
            })
        } else if sku_name.eq_ignore_ascii_case("basic") {
            Ok(if dynamic {
                AzurePublicIpSku::BasicDynamic
            } else {
                AzurePublicIpSku::BasicStatic
            })
        } else {
            Err(PricingError::UnknownAzureSku {
                what: "public IP SKU",
                value: sku_name.chars().take(50).collect(),
                expected: "Basic or Standard",
            })
        }
    }
}

/// Where a snapshot is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AzureSnapshotSku {
    #[serde(rename = "Standard_LRS")]
    StandardLrs,
    #[serde(rename = "Standard_ZRS")]
    StandardZrs,
    /// Full snapshots only; incremental snapshots are always on Standard storage.
    #[serde(rename = "Premium_LRS")]
    PremiumLrs,
}

impl AzureSnapshotSku {
    pub const ALL: [AzureSnapshotSku; 3] = [
        AzureSnapshotSku::StandardLrs,
        AzureSnapshotSku::StandardZrs,
        AzureSnapshotSku::PremiumLrs,
    ];
    /// The ARM name, e.g. `Standard_ZRS`.
    pub fn as_str(self) -> &'static str {
        match self {
            AzureSnapshotSku::StandardLrs => "Standard_LRS",
            AzureSnapshotSku::StandardZrs => "Standard_ZRS",
            AzureSnapshotSku::PremiumLrs => "Premium_LRS",
        }
    }
    fn key_item(self) -> &'static str {
        match self {
            AzureSnapshotSku::StandardLrs => "standard_lrs",
            AzureSnapshotSku::StandardZrs => "standard_zrs",
            AzureSnapshotSku::PremiumLrs => "premium_lrs",
        }
    }
}

impl FromStr for AzureSnapshotSku {
    type Err = PricingError;
    fn from_str(s: &str) -> Result<Self, PricingError> {
        AzureSnapshotSku::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| PricingError::UnknownAzureSku {
                what: "snapshot SKU",
                value: s.chars().take(50).collect(),
                expected: "Standard_LRS, Standard_ZRS or Premium_LRS",
            })
    }
}

/// `West Europe` and `westeurope` -> `westeurope`.
fn normalize_location(location: &str) -> String {
    location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The price of `item` at `location`, else at the reference location with the fallback flag.
fn location_or_reference(
    table: &'static [(&'static str, &'static [(&'static str, f64)])],
    location: &str,
    item: &str,
) -> Option<(&'static str, f64, bool)> {
    let find = |name: &str| {
        table
            .iter()
            .find(|(l, _)| *l == name)
            .and_then(|(l, items)| {
                items
                    .iter()
                    .find(|(i, _)| *i == item)
                    .map(|(_, usd)| (*l, *usd))
            })
    };
    match find(&normalize_location(location)) {
        Some((l, usd)) => Some((l, usd, false)),
        None => find(AZURE_REFERENCE_LOCATION).map(|(l, usd)| (l, usd, true)),
    }
}

fn disk_key(tier: &str, location: &str) -> String {
    format!("azure-disk:{}-lrs:{location}", tier.to_ascii_lowercase())
}

/// Every built-in Azure price.
pub(super) fn entries(out: &mut Vec<PriceEntry>) {
    let push = |out: &mut Vec<PriceEntry>, key: String, usd: f64, unit, source| {
        out.push(PriceEntry::builtin(
            key,
            usd,
            unit,
            AZURE_TABLE_VERSION,
            source,
        ));
    };
    for (location, tiers) in DISKS {
        for (tier, usd) in *tiers {
            push(
                out,
                disk_key(tier, location),
                *usd,
                "disk-month",
                DISK_SOURCE,
            );
        }
    }
    for (location, items) in PUBLIC_IPS {
        for (item, usd) in *items {
            push(
                out,
                format!("azure-pip:{item}:{location}"),
                *usd,
                "hour",
                IP_SOURCE,
            );
        }
    }
    for (location, items) in SNAPSHOTS {
        for (item, usd) in *items {
            push(
                out,
                format!("azure-snapshot:{item}:{location}"),
                *usd,
                "GiB-month",
                DISK_SOURCE,
            );
        }
    }
}

impl PriceTable {
    /// Monthly cost of one managed disk of `size_gib`, billed as its tier (see
    /// [`azure_disk_tier`]). Transactions are not estimated. `None` when no tier fits.
    pub fn azure_disk_monthly(
        &self,
        location: &str,
        sku: AzureDiskSku,
        size_gib: i32,
    ) -> Option<(f64, PricingBasis)> {
        let tier = azure_disk_tier(sku, size_gib)?;
        let (l, usd, fallback) = location_or_reference(DISKS, location, tier.name)?;
        let key = disk_key(tier.name, l);
        let mut e = Estimate::new(self, AZURE_TABLE_VERSION, fallback);
        e.add(key.clone(), usd, "disk-month", 1.0);
        Some(e.finish(key))
    }

    /// Monthly cost of one public IP address held all month.
    pub fn azure_public_ip_monthly(
        &self,
        location: &str,
        sku: AzurePublicIpSku,
    ) -> Option<(f64, PricingBasis)> {
        let (l, usd, fallback) = location_or_reference(PUBLIC_IPS, location, sku.as_str())?;
        let key = format!("azure-pip:{}:{l}", sku.as_str());
        let mut e = Estimate::new(self, AZURE_TABLE_VERSION, fallback);
        e.add(key.clone(), usd, "hour", HOURS_PER_MONTH);
        Some(e.finish(key))
    }

    /// Monthly cost of one snapshot storing `gib` GiB: the used size of the source disk for a
    /// full snapshot, the data changed since the previous snapshot for an incremental one.
    pub fn azure_snapshot_monthly(
        &self,
        location: &str,
        gib: i32,
        sku: AzureSnapshotSku,
    ) -> Option<(f64, PricingBasis)> {
        let (l, usd, fallback) = location_or_reference(SNAPSHOTS, location, sku.key_item())?;
        let key = format!("azure-snapshot:{}:{l}", sku.key_item());
        let mut e = Estimate::new(self, AZURE_TABLE_VERSION, fallback);
        e.add(key.clone(), usd, "GiB-month", f64::from(gib.max(0)));
        Some(e.finish(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(location: &str, sku: AzureDiskSku, size: i32) -> (f64, PricingBasis) {
        PriceTable::default()
            .azure_disk_monthly(location, sku, size)
            .unwrap()
    }

    fn tier(sku: AzureDiskSku, size: i32) -> &'static str {
        azure_disk_tier(sku, size).unwrap().name
    }

    #[test]
    fn tables_are_sorted_and_every_tier_is_priced_in_the_reference_location() {
        for table in [DISKS, PUBLIC_IPS, SNAPSHOTS] {
            let names: Vec<&str> = table.iter().map(|(l, _)| *l).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(names, sorted);
            assert!(names.contains(&AZURE_REFERENCE_LOCATION));
        }
        for sku in AzureDiskSku::ALL {
            let tiers = sku.tiers();
            assert!(tiers.windows(2).all(|w| w[0].1 < w[1].1), "{sku}");
            let mut last = 0.0;
            for (name, _) in tiers {
                let usd = US_DISKS
                    .iter()
                    .find(|(t, _)| t == name)
                    .map(|(_, usd)| *usd)
                    .unwrap_or_else(|| panic!("{name} unpriced"));
                assert!(usd > last, "{name}: prices rise with the tier");
                last = usd;
            }
        }
        assert_eq!(
            US_DISKS.len(),
            AzureDiskSku::ALL
                .iter()
                .map(|s| s.tiers().len())
                .sum::<usize>()
        );
    }

    #[test]
    fn sizes_map_to_the_smallest_tier_that_fits() {
        use AzureDiskSku::*;
        assert_eq!(tier(PremiumLrs, 32), "P4");
        assert_eq!(tier(StandardSsdLrs, 32), "E4");
        assert_eq!(tier(StandardLrs, 32), "S4");
        assert_eq!(tier(PremiumLrs, 33), "P6");
        assert_eq!(tier(StandardSsdLrs, 33), "E6");
        assert_eq!(tier(StandardLrs, 33), "S6");
        // Below the smallest HDD tier: still S4. SSDs have 4, 8 and 16 GiB tiers.
        assert_eq!(tier(StandardLrs, 1), "S4");
        assert_eq!(tier(PremiumLrs, 1), "P1");
        assert_eq!(tier(PremiumLrs, 4), "P1");
        assert_eq!(tier(PremiumLrs, 5), "P2");
        assert_eq!(tier(StandardSsdLrs, 17), "E4");
        assert_eq!(tier(PremiumLrs, 128), "P10");
        assert_eq!(tier(PremiumLrs, 129), "P15");
        assert_eq!(tier(StandardLrs, 1000), "S30");
        assert_eq!(tier(StandardLrs, 1025), "S40");
        assert_eq!(tier(PremiumLrs, 32_767), "P80");
        assert_eq!(azure_disk_tier(PremiumLrs, 32_767).unwrap().max_gib, 32_767);
        assert!(azure_disk_tier(PremiumLrs, 32_768).is_none());
        assert!(azure_disk_tier(StandardLrs, 0).is_none());
        assert!(azure_disk_tier(StandardLrs, -4).is_none());
    }

    #[test]
    fn disks_bill_their_tier() {
        let (usd, basis) = disk("eastus", AzureDiskSku::PremiumLrs, 100);
        assert_eq!(usd, 19.71);
        assert_eq!(basis.price_key, "azure-disk:p10-lrs:eastus");
        assert_eq!(basis.table_version, AZURE_TABLE_VERSION);
        assert_eq!(
            (basis.unit_price_usd, basis.unit.as_str(), basis.quantity),
            (19.71, "disk-month", 1.0)
        );
        assert!(!basis.region_fallback);
        // Golden figures: a 1000 GiB Standard SSD is an E30; default-size disks S4 and P4.
        assert_eq!(disk("eastus", AzureDiskSku::StandardSsdLrs, 1000).0, 76.80);
        assert_eq!(disk("eastus", AzureDiskSku::StandardLrs, 32).0, 1.54);
        assert_eq!(disk("eastus", AzureDiskSku::PremiumLrs, 32).0, 5.28);
        assert_eq!(disk("eastus", AzureDiskSku::PremiumLrs, 33).0, 10.21);
        assert_eq!(disk("westus2", AzureDiskSku::StandardSsdLrs, 4).0, 0.30);
        // Display names and case are accepted.
        let (usd, basis) = disk("West Europe", AzureDiskSku::StandardLrs, 70);
        assert_eq!((usd, basis.region_fallback), (5.89, false));
        assert_eq!(basis.price_key, "azure-disk:s10-lrs:westeurope");
        assert!(PriceTable::default()
            .azure_disk_monthly("eastus", AzureDiskSku::PremiumLrs, 40_000)
            .is_none());
    }

    #[test]
    fn unlisted_locations_and_tiers_fall_back_to_eastus() {
        let (usd, basis) = disk("northeurope", AzureDiskSku::PremiumLrs, 512);
        assert_eq!(usd, 73.22);
        assert!(basis.region_fallback);
        assert_eq!(basis.price_key, "azure-disk:p20-lrs:eastus");
        // westeurope lists S10 only: other tiers fall back per tier.
        let (usd, basis) = disk("westeurope", AzureDiskSku::StandardLrs, 129);
        assert_eq!((usd, basis.region_fallback), (11.33, true));
        let (_, basis) = PriceTable::default()
            .azure_snapshot_monthly("brazilsouth", 10, AzureSnapshotSku::StandardLrs)
            .unwrap();
        assert!(basis.region_fallback);
    }

    #[test]
    fn public_ips_bill_by_the_hour() {
        let t = PriceTable::default();
        // 730 h * 0.005, 0.01, 0.0036, 0.004
        for (sku, want) in [
            (AzurePublicIpSku::Standard, 3.65),
            (AzurePublicIpSku::StandardGlobal, 7.30),
            (AzurePublicIpSku::BasicStatic, 2.63),
            (AzurePublicIpSku::BasicDynamic, 2.92),
        ] {
            let (usd, basis) = t.azure_public_ip_monthly("eastus", sku).unwrap();
            assert_eq!(usd, want, "{sku:?}");
            assert_eq!((basis.unit.as_str(), basis.quantity), ("hour", 730.0));
            assert!(!basis.region_fallback);
        }
        let (usd, basis) = t
            .azure_public_ip_monthly("northeurope", AzurePublicIpSku::Standard)
            .unwrap();
        assert_eq!(usd, 3.65);
        assert_eq!(basis.price_key, "azure-pip:standard:northeurope");
        assert!(
            t.azure_public_ip_monthly("japaneast", AzurePublicIpSku::Standard)
                .unwrap()
                .1
                .region_fallback
        );
        use AzurePublicIpSku::*;
        assert_eq!(
            AzurePublicIpSku::from_arm("Standard", None, None).unwrap(),
            Standard
        );
        assert_eq!(
            AzurePublicIpSku::from_arm("Standard", Some("Global"), Some("Static")).unwrap(),
            StandardGlobal
        );
        assert_eq!(
            AzurePublicIpSku::from_arm("Basic", Some("Regional"), Some("Dynamic")).unwrap(),
            BasicDynamic
        );
        assert_eq!(
            AzurePublicIpSku::from_arm("basic", None, None).unwrap(),
            BasicStatic
        );
        assert!(AzurePublicIpSku::from_arm("Premium", None, None).is_err());
    }

    #[test]
    fn snapshots_bill_stored_gib() {
        let t = PriceTable::default();
        // Golden figure: 70 GiB Standard LRS in West Europe = 3.50.
        let (usd, basis) = t
            .azure_snapshot_monthly("westeurope", 70, AzureSnapshotSku::StandardLrs)
            .unwrap();
        assert_eq!(usd, 3.50);
        assert_eq!(basis.price_key, "azure-snapshot:standard_lrs:westeurope");
        assert_eq!((basis.unit.as_str(), basis.quantity), ("GiB-month", 70.0));
        // 200 GiB on Premium storage * 0.12; ZRS * 0.05.
        let premium = t.azure_snapshot_monthly("eastus", 200, AzureSnapshotSku::PremiumLrs);
        assert_eq!(premium.unwrap().0, 24.00);
        let zrs = t.azure_snapshot_monthly("eastus", 200, AzureSnapshotSku::StandardZrs);
        assert_eq!(zrs.unwrap().0, 10.00);
        // westeurope lists no Premium snapshot price: it falls back.
        let (usd, basis) = t
            .azure_snapshot_monthly("westeurope", 10, AzureSnapshotSku::PremiumLrs)
            .unwrap();
        assert_eq!((usd, basis.region_fallback), (1.20, true));
        let none = t.azure_snapshot_monthly("eastus", -3, AzureSnapshotSku::StandardLrs);
        assert_eq!(none.unwrap().0, 0.0);
    }

    #[test]
    fn skus_parse_from_arm_names() {
        assert_eq!(
            "Premium_LRS".parse::<AzureDiskSku>().unwrap(),
            AzureDiskSku::PremiumLrs
        );
        assert_eq!(
            "standardssd_lrs".parse::<AzureDiskSku>().unwrap(),
            AzureDiskSku::StandardSsdLrs
        );
        let err = "UltraSSD_LRS".parse::<AzureDiskSku>().unwrap_err();
        assert!(err.to_string().contains("UltraSSD_LRS"), "{err}");
        assert!("Premium_ZRS".parse::<AzureDiskSku>().is_err());
        assert_eq!(
            "Standard_ZRS".parse::<AzureSnapshotSku>().unwrap(),
            AzureSnapshotSku::StandardZrs
        );
        assert!("Premium_ZRS".parse::<AzureSnapshotSku>().is_err());
        let json = serde_json::to_string(&AzureDiskSku::StandardSsdLrs).unwrap();
        assert_eq!(json, "\"StandardSSD_LRS\"");
    }
}
