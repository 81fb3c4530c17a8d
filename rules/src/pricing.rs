//! The versioned price table used by cost rules.
//!
//! # Source
//!
//! Amazon EBS on-demand list prices in USD from the public Amazon EBS pricing page,
//! <https://aws.amazon.com/ebs/pricing/>: storage per GB-month for every volume type, plus
//! gp3 IOPS above the free 3,000 baseline per IOPS-month, gp3 throughput above the free
//! 125 MiB/s baseline per MiB/s-month, and io1/io2 provisioned IOPS per IOPS-month. EBS bills
//! volume sizes in GiB and calls them "GB", so sizes are multiplied as they are.
//!
//! Table [`EBS_TABLE_VERSION`], compiled 2026-11-23. The live page could not be fetched from
//! the build machine, so each figure was checked against stored public copies instead:
//!
//! | region | status |
//! |---|---|
//! | us-east-1 | every entry matches a published cost breakdown from the AWS price list (infracost's EBS golden test) and third-party copies of the pricing page |
//! | us-east-2 | io2 storage and all three io2 IOPS tiers match a published cost figure; other entries are the widely published figures, equal to us-east-1, **not re-verified** |
//! | us-west-1 | gp2, gp3 (storage, IOPS, throughput), io1 (storage, IOPS), st1, sc1 and standard match published cost figures; io2 equals io1 there, **not re-verified** |
//! | us-west-2 | gp3 storage, IOPS and throughput match a published breakdown; other entries equal us-east-1, **not re-verified** |
//! | eu-central-1 | gp2, gp3 storage, gp3 IOPS and gp3 throughput match a published worked example; io1/io2, st1, sc1, standard **not re-verified** |
//! | eu-west-1 | gp2, gp3 storage, io1 storage and IOPS, st1 match third-party copies; gp3 IOPS/throughput, sc1, standard **not re-verified** |
//! | eu-west-2 | gp2, io1 storage and IOPS, st1 match a third-party copy; gp3, sc1, standard **not re-verified** |
//! | ap-southeast-1 | widely published figures, **not re-verified** |
//! | ap-southeast-2 | gp3 storage matches third-party copies; the rest **not re-verified** |
//! | ap-northeast-1 | widely published figures, **not re-verified** |
//!
//! # Model
//!
//! - io2 IOPS are tiered: up to 32,000 at the first price, 32,001-64,000 at the second,
//!   above 64,000 at the third. The second and third tiers are 70 % and 49 % of the first on
//!   the pricing page (verified for us-east-2); other regions apply the same ratios.
//! - Magnetic (`standard`) volumes also bill I/O requests; that is usage-based and not
//!   estimated here.
//! - A region without an entry is priced at [`EBS_REFERENCE_REGION`] and flagged with
//!   `region_fallback`; an unknown volume type is not priced at all.

use skywarden_graph::model::VolumeType;
use skywarden_graph::Region;

use crate::finding::{CostComponent, PricingBasis};

/// Version of the built-in EBS table, recorded in every [`PricingBasis`].
pub const EBS_TABLE_VERSION: &str = "aws-ebs-2026-11";

/// The region whose prices are used for regions the table does not list.
pub const EBS_REFERENCE_REGION: &str = "us-east-1";

/// gp3 performance included in the storage price.
pub const GP3_BASELINE_IOPS: i32 = 3_000;
pub const GP3_BASELINE_THROUGHPUT_MIBPS: i32 = 125;

/// Upper bounds (inclusive) of io2 IOPS tiers one and two.
pub const IO2_TIER1_MAX_IOPS: i32 = 32_000;
pub const IO2_TIER2_MAX_IOPS: i32 = 64_000;

/// EBS on-demand prices of one region, USD per month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EbsPrices {
    pub gp2_gb: f64,
    pub gp3_gb: f64,
    /// Per IOPS-month above [`GP3_BASELINE_IOPS`].
    pub gp3_iops: f64,
    /// Per MiB/s-month above [`GP3_BASELINE_THROUGHPUT_MIBPS`].
    pub gp3_throughput_mibps: f64,
    pub io1_gb: f64,
    pub io1_iops: f64,
    pub io2_gb: f64,
    /// Per IOPS-month for tiers one, two and three.
    pub io2_iops: [f64; 3],
    pub st1_gb: f64,
    pub sc1_gb: f64,
    pub standard_gb: f64,
}

const fn prices(
    gp2_gb: f64,
    gp3: (f64, f64, f64),
    io1: (f64, f64),
    io2: (f64, [f64; 3]),
    st1_gb: f64,
    sc1_gb: f64,
    standard_gb: f64,
) -> EbsPrices {
    EbsPrices {
        gp2_gb,
        gp3_gb: gp3.0,
        gp3_iops: gp3.1,
        gp3_throughput_mibps: gp3.2,
        io1_gb: io1.0,
        io1_iops: io1.1,
        io2_gb: io2.0,
        io2_iops: io2.1,
        st1_gb,
        sc1_gb,
        standard_gb,
    }
}

/// The built-in table: (region, prices), sorted by region. gp3 is (storage, IOPS,
/// throughput); io1 is (storage, IOPS); io2 is (storage, [IOPS tier 1, 2, 3]).
static EBS: &[(&str, EbsPrices)] = &[
    (
        "ap-northeast-1",
        prices(
            0.12,
            (0.096, 0.006, 0.048),
            (0.142, 0.074),
            (0.142, [0.074, 0.0518, 0.03626]),
            0.054,
            0.018,
            0.08,
        ),
    ),
    (
        "ap-southeast-1",
        prices(
            0.12,
            (0.096, 0.006, 0.048),
            (0.138, 0.072),
            (0.138, [0.072, 0.0504, 0.03528]),
            0.054,
            0.018,
            0.08,
        ),
    ),
    (
        "ap-southeast-2",
        prices(
            0.12,
            (0.096, 0.006, 0.048),
            (0.138, 0.072),
            (0.138, [0.072, 0.0504, 0.03528]),
            0.054,
            0.018,
            0.08,
        ),
    ),
    (
        "eu-central-1",
        prices(
            0.119,
            (0.0952, 0.006, 0.048),
            (0.149, 0.078),
            (0.149, [0.078, 0.0546, 0.03822]),
            0.054,
            0.018,
            0.059,
        ),
    ),
    (
        "eu-west-1",
        prices(
            0.11,
            (0.088, 0.0055, 0.044),
            (0.138, 0.072),
            (0.138, [0.072, 0.0504, 0.03528]),
            0.05,
            0.0168,
            0.055,
        ),
    ),
    (
        "eu-west-2",
        prices(
            0.116,
            (0.0928, 0.0058, 0.0464),
            (0.145, 0.076),
            (0.145, [0.076, 0.0532, 0.03724]),
            0.053,
            0.0174,
            0.058,
        ),
    ),
    (
        "us-east-1",
        prices(
            0.10,
            (0.08, 0.005, 0.04),
            (0.125, 0.065),
            (0.125, [0.065, 0.0455, 0.03185]),
            0.045,
            0.015,
            0.05,
        ),
    ),
    (
        "us-east-2",
        prices(
            0.10,
            (0.08, 0.005, 0.04),
            (0.125, 0.065),
            (0.125, [0.065, 0.0455, 0.03185]),
            0.045,
            0.015,
            0.05,
        ),
    ),
    (
        "us-west-1",
        prices(
            0.12,
            (0.096, 0.006, 0.048),
            (0.138, 0.072),
            (0.138, [0.072, 0.0504, 0.03528]),
            0.054,
            0.018,
            0.08,
        ),
    ),
    (
        "us-west-2",
        prices(
            0.10,
            (0.08, 0.005, 0.04),
            (0.125, 0.065),
            (0.125, [0.065, 0.0455, 0.03185]),
            0.045,
            0.015,
            0.05,
        ),
    ),
];

/// Monthly on-demand prices in USD. [`PriceTable::default`] is the built-in table.
#[derive(Debug, Clone)]
pub struct PriceTable {
    version: &'static str,
    ebs: &'static [(&'static str, EbsPrices)],
}

impl Default for PriceTable {
    fn default() -> Self {
        PriceTable {
            version: EBS_TABLE_VERSION,
            ebs: EBS,
        }
    }
}

/// Rounds a USD amount to cents.
fn cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

impl PriceTable {
    pub fn version(&self) -> &'static str {
        self.version
    }

    /// Regions with their own entry, sorted.
    pub fn ebs_regions(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.ebs.iter().map(|(r, _)| *r)
    }

    /// The EBS prices of `region` and whether the reference region was used instead.
    pub fn ebs_prices(&self, region: &Region) -> Option<(&'static str, EbsPrices, bool)> {
        let find = |name: &str| {
            self.ebs
                .iter()
                .find(|(r, _)| *r == name)
                .map(|(r, p)| (*r, *p))
        };
        match find(region.as_str()) {
            Some((r, p)) => Some((r, p, false)),
            None => find(EBS_REFERENCE_REGION).map(|(r, p)| (r, p, true)),
        }
    }

    /// Monthly cost of one EBS volume in USD, rounded to cents, with its basis. `None` for
    /// [`VolumeType::Unknown`]. IOPS and throughput are only billed where the volume type
    /// bills them (gp3 above its baseline, io1, io2); elsewhere they are ignored.
    pub fn ebs_monthly(
        &self,
        region: &Region,
        volume_type: VolumeType,
        size_gib: i32,
        iops: Option<i32>,
        throughput_mibps: Option<i32>,
    ) -> Option<(f64, PricingBasis)> {
        let (priced_region, p, region_fallback) = self.ebs_prices(region)?;
        let type_name = volume_type.as_str();
        let storage_price = match volume_type {
            VolumeType::Gp2 => p.gp2_gb,
            VolumeType::Gp3 => p.gp3_gb,
            VolumeType::Io1 => p.io1_gb,
            VolumeType::Io2 => p.io2_gb,
            VolumeType::St1 => p.st1_gb,
            VolumeType::Sc1 => p.sc1_gb,
            VolumeType::Standard => p.standard_gb,
            VolumeType::Unknown => return None,
        };
        let key = |part: &str| format!("ebs:{type_name}:{priced_region}:{part}");
        let component = |part: &str, unit_price: f64, unit: &str, quantity: i32| CostComponent {
            price_key: key(part),
            unit_price_usd: unit_price,
            unit: unit.to_string(),
            quantity: f64::from(quantity),
            monthly_usd: unit_price * f64::from(quantity),
        };
        let size = size_gib.max(0);
        let mut components = vec![component("storage", storage_price, "GiB-month", size)];
        let iops = iops.unwrap_or(0).max(0);
        match volume_type {
            VolumeType::Gp3 => {
                let extra_iops = (iops - GP3_BASELINE_IOPS).max(0);
                if extra_iops > 0 {
                    components.push(component("iops", p.gp3_iops, "IOPS-month", extra_iops));
                }
                let extra_tp =
                    (throughput_mibps.unwrap_or(0) - GP3_BASELINE_THROUGHPUT_MIBPS).max(0);
                if extra_tp > 0 {
                    components.push(component(
                        "throughput",
                        p.gp3_throughput_mibps,
                        "MiB/s-month",
                        extra_tp,
                    ));
                }
            }
            VolumeType::Io1 if iops > 0 => {
                components.push(component("iops", p.io1_iops, "IOPS-month", iops))
            }
            VolumeType::Io2 => {
                let tiers = [
                    ("iops", iops.min(IO2_TIER1_MAX_IOPS)),
                    (
                        "iops-tier2",
                        iops.clamp(IO2_TIER1_MAX_IOPS, IO2_TIER2_MAX_IOPS) - IO2_TIER1_MAX_IOPS,
                    ),
                    ("iops-tier3", (iops - IO2_TIER2_MAX_IOPS).max(0)),
                ];
                for ((part, quantity), price) in tiers.into_iter().zip(p.io2_iops) {
                    if quantity > 0 {
                        components.push(component(part, price, "IOPS-month", quantity));
                    }
                }
            }
            _ => {}
        }
        let total = cents(components.iter().map(|c| c.monthly_usd).sum());
        let basis = PricingBasis {
            table_version: self.version.to_string(),
            price_key: format!("ebs:{type_name}:{priced_region}"),
            unit_price_usd: storage_price,
            unit: "GiB-month".to_string(),
            quantity: f64::from(size),
            region_fallback,
            components,
        };
        Some((total, basis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(s: &str) -> Region {
        s.parse().unwrap()
    }

    fn monthly(r: &str, t: VolumeType, size: i32, iops: Option<i32>, tp: Option<i32>) -> f64 {
        PriceTable::default()
            .ebs_monthly(&region(r), t, size, iops, tp)
            .unwrap()
            .0
    }

    #[test]
    fn table_is_sorted_complete_and_covers_required_regions() {
        let t = PriceTable::default();
        let regions: Vec<&str> = t.ebs_regions().collect();
        let mut sorted = regions.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(regions, sorted, "table must be sorted and unique");
        for r in [
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "eu-west-1",
            "eu-central-1",
            "eu-west-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-northeast-1",
        ] {
            let (name, p, fallback) = t.ebs_prices(&region(r)).unwrap();
            assert_eq!((name, fallback), (r, false));
            let all = [
                p.gp2_gb,
                p.gp3_gb,
                p.gp3_iops,
                p.gp3_throughput_mibps,
                p.io1_gb,
                p.io1_iops,
                p.io2_gb,
                p.io2_iops[0],
                p.io2_iops[1],
                p.io2_iops[2],
                p.st1_gb,
                p.sc1_gb,
                p.standard_gb,
            ];
            assert!(all.iter().all(|v| *v > 0.0 && *v < 1.0), "{r}: {p:?}");
            // gp3 is 20 % below gp2 everywhere; the io2 tiers fall.
            assert!((p.gp3_gb - p.gp2_gb * 0.8).abs() < 1e-9, "{r}");
            assert!(
                p.io2_iops[0] > p.io2_iops[1] && p.io2_iops[1] > p.io2_iops[2],
                "{r}"
            );
        }
        assert_eq!(t.version(), EBS_TABLE_VERSION);
    }

    #[test]
    fn gp3_storage_only() {
        let (usd, basis) = PriceTable::default()
            .ebs_monthly(
                &region("us-east-1"),
                VolumeType::Gp3,
                100,
                Some(3000),
                Some(125),
            )
            .unwrap();
        assert_eq!(usd, 8.00);
        assert_eq!(basis.table_version, "aws-ebs-2026-11");
        assert_eq!(basis.price_key, "ebs:gp3:us-east-1");
        assert_eq!(
            (basis.unit_price_usd, basis.unit.as_str(), basis.quantity),
            (0.08, "GiB-month", 100.0)
        );
        assert!(!basis.region_fallback);
        assert_eq!(basis.components.len(), 1);
        // Performance left unset means the baseline.
        assert_eq!(monthly("us-east-1", VolumeType::Gp3, 100, None, None), 8.00);
    }

    #[test]
    fn gp3_bills_iops_and_throughput_above_baseline() {
        // 500 * 0.08 + (6000 - 3000) * 0.005 + (250 - 125) * 0.04 = 40 + 15 + 5
        let (usd, basis) = PriceTable::default()
            .ebs_monthly(
                &region("us-east-1"),
                VolumeType::Gp3,
                500,
                Some(6000),
                Some(250),
            )
            .unwrap();
        assert_eq!(usd, 60.00);
        let parts: Vec<(&str, f64)> = basis
            .components
            .iter()
            .map(|c| (c.price_key.as_str(), c.quantity))
            .collect();
        assert_eq!(
            parts,
            [
                ("ebs:gp3:us-east-1:storage", 500.0),
                ("ebs:gp3:us-east-1:iops", 3000.0),
                ("ebs:gp3:us-east-1:throughput", 125.0),
            ]
        );
        // Published us-west-1 figure: 8 GiB, 4000 IOPS, 250 MiB/s = 0.768 + 6 + 6 = 12.768.
        assert_eq!(
            monthly("us-west-1", VolumeType::Gp3, 8, Some(4000), Some(250)),
            12.77
        );
        // Published eu-central-1 example: 1024 GiB, 3072 IOPS, 250 MiB/s = 97.48 + 0.43 + 6.
        assert_eq!(
            monthly("eu-central-1", VolumeType::Gp3, 1024, Some(3072), Some(250)),
            103.92
        );
    }

    #[test]
    fn io1_bills_every_provisioned_iops() {
        // 100 * 0.125 + 1000 * 0.065
        assert_eq!(
            monthly("us-east-1", VolumeType::Io1, 100, Some(1000), None),
            77.50
        );
        // Published us-west-1 figure: 4 GiB, 100 IOPS = 0.552 + 7.2.
        assert_eq!(
            monthly("us-west-1", VolumeType::Io1, 4, Some(100), None),
            7.75
        );
        // Throughput is not billed for io1.
        assert_eq!(
            monthly("us-east-1", VolumeType::Io1, 100, Some(1000), Some(500)),
            77.50
        );
    }

    #[test]
    fn io2_iops_are_tiered() {
        assert_eq!(
            monthly("us-east-1", VolumeType::Io2, 30, Some(300), None),
            23.25
        );
        // Published us-east-2 figure: 160 GiB, 80,000 IOPS =
        // 20 + 32000 * 0.065 + 32000 * 0.0455 + 16000 * 0.03185 = 4065.60.
        let (usd, basis) = PriceTable::default()
            .ebs_monthly(
                &region("us-east-2"),
                VolumeType::Io2,
                160,
                Some(80_000),
                None,
            )
            .unwrap();
        assert_eq!(usd, 4065.60);
        let q: Vec<f64> = basis.components.iter().map(|c| c.quantity).collect();
        assert_eq!(q, [160.0, 32_000.0, 32_000.0, 16_000.0]);
        // Exactly at the first boundary: no second tier.
        let (_, b) = PriceTable::default()
            .ebs_monthly(
                &region("us-east-1"),
                VolumeType::Io2,
                10,
                Some(32_000),
                None,
            )
            .unwrap();
        assert_eq!(b.components.len(), 2);
    }

    #[test]
    fn hdd_magnetic_and_gp2() {
        assert_eq!(
            monthly("us-east-1", VolumeType::Gp2, 10, Some(100), None),
            1.00
        );
        assert_eq!(monthly("us-east-1", VolumeType::St1, 40, None, None), 1.80);
        assert_eq!(monthly("us-east-1", VolumeType::Sc1, 50, None, None), 0.75);
        assert_eq!(
            monthly("us-east-1", VolumeType::Standard, 20, None, None),
            1.00
        );
        assert_eq!(monthly("us-west-1", VolumeType::St1, 125, None, None), 6.75);
        assert_eq!(monthly("us-west-1", VolumeType::Sc1, 125, None, None), 2.25);
        assert_eq!(
            monthly("us-west-1", VolumeType::Standard, 1, None, None),
            0.08
        );
        assert_eq!(
            monthly("eu-central-1", VolumeType::Gp2, 1024, None, None),
            121.86
        );
    }

    #[test]
    fn unknown_region_falls_back_and_unknown_type_is_unpriced() {
        let (usd, basis) = PriceTable::default()
            .ebs_monthly(&region("af-south-1"), VolumeType::Gp3, 100, None, None)
            .unwrap();
        assert_eq!(usd, 8.00);
        assert!(basis.region_fallback);
        assert_eq!(basis.price_key, "ebs:gp3:us-east-1");
        assert!(PriceTable::default()
            .ebs_monthly(&region("us-east-1"), VolumeType::Unknown, 100, None, None)
            .is_none());
        // Nonsense sizes cost nothing rather than a negative amount.
        assert_eq!(monthly("us-east-1", VolumeType::Gp2, -5, None, None), 0.0);
    }
}
