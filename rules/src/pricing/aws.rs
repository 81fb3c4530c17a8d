//! AWS prices: EBS volumes ([`EBS_TABLE_VERSION`]) and EBS snapshots, public IPv4 addresses,
//! load balancers, NAT gateways and EC2 instances ([`AWS_TABLE_VERSION`]).
//!
//! All figures are USD on-demand list prices for the ten regions below; any other region is
//! priced at [`AWS_REFERENCE_REGION`] with `region_fallback`. Where a region row lacks an item
//! (e.g. an instance family), that item falls back the same way.
//!
//! # EBS volumes: table [`EBS_TABLE_VERSION`], compiled 2026-11-23
//!
//! Source: <https://aws.amazon.com/ebs/pricing/>: storage per GB-month for every volume type,
//! plus gp3 IOPS above the free 3,000 baseline per IOPS-month, gp3 throughput above the free
//! 125 MiB/s baseline per MiB/s-month, and io1/io2 provisioned IOPS per IOPS-month. EBS bills
//! volume sizes in GiB and calls them "GB", so sizes are multiplied as they are. The live page
//! could not be fetched from the build machine, so each figure was checked against stored
//! public copies instead:
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
//! - io2 IOPS are tiered: up to 32,000 at the first price, 32,001-64,000 at the second,
//!   above 64,000 at the third. The second and third tiers are 70 % and 49 % of the first on
//!   the pricing page (verified for us-east-2); other regions apply the same ratios.
//! - Magnetic (`standard`) volumes also bill I/O requests; that is usage-based and not
//!   estimated here.
//!
//! # Other AWS services: table [`AWS_TABLE_VERSION`], compiled 2026-12-02
//!
//! Same method (stored public copies, no live page). "Verified" below means the figure
//! matches a stored AWS price-list-derived cost breakdown (infracost golden files) or an AWS
//! documentation page; everything else is the widely published figure as remembered and
//! cross-read against third-party copies where one was found, **not re-verified**.
//!
//! | group | source | status |
//! |---|---|---|
//! | EBS snapshots, standard and archive tier, per GB-month | <https://aws.amazon.com/ebs/pricing/> | us-east-1 standard 0.05 and archive 0.0125 verified (infracost golden test; the EBS user guide's snapshot-archive pricing page). Other regions **not re-verified**; archive figures outside the 0.05 regions are derived from the documented "75 % lower" ratio (a quarter of standard) |
//! | public IPv4 address (in use or idle, incl. Elastic IPs), per hour | <https://aws.amazon.com/vpc/pricing/> | us-east-1 0.005 verified (infracost golden test: 730 h = 3.65). AWS announced one rate for all commercial regions; per-region **not re-verified** |
//! | ALB and NLB hour | <https://aws.amazon.com/elasticloadbalancing/pricing/> | us-east-1 0.0225 each verified (infracost golden test); other regions **not re-verified** |
//! | ALB LCU-hour, NLB NLCU-hour | same | us-east-1 0.008 / 0.006 verified; us-east-2, us-west-2 equal, **not re-verified**; other regions not listed. Usage-based: listed and overridable, never part of an estimate |
//! | NAT gateway hour and GB processed | <https://aws.amazon.com/vpc/pricing/> | us-east-1 0.045 / 0.045 verified (infracost golden test); other regions **not re-verified** (GB processed equals the hourly figure there). Only the hours are estimated |
//! | EC2 Linux on-demand per hour | <https://aws.amazon.com/ec2/pricing/on-demand/> | us-east-1 t3 (t3.micro, t3.medium), t3a.micro, m5.large and m6i.large verified against published cost breakdowns; us-east-1 c5.2xlarge/c5.4xlarge match an AWS Auto Scaling documentation example; us-west-2 t3.micro verified; eu-west-1 t3.micro and m5.large match several third-party copies. Everything else **not re-verified** |
//!
//! EC2 prices within a family scale exactly with size (each size up doubles the price), so
//! the table stores the `large` price per family and region and derives the other sizes;
//! the sixth-generation Intel families (m6i, c6i, r6i) are listed at the prices of their
//! fifth-generation counterparts, as AWS priced them. t3a is listed only where its figure is
//! known (elsewhere it falls back).

use serde::{Deserialize, Serialize};
use skywarden_graph::model::VolumeType;
use skywarden_graph::Region;

use super::{Estimate, PriceEntry, PriceTable, HOURS_PER_MONTH};
use crate::finding::PricingBasis;

/// Version of the built-in EBS table, recorded in every [`PricingBasis`].
pub const EBS_TABLE_VERSION: &str = "aws-ebs-2026-11";

/// The region whose EBS prices are used for regions the table does not list.
pub const EBS_REFERENCE_REGION: &str = AWS_REFERENCE_REGION;

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

/// Version of the built-in table of the other AWS services (everything but EBS volumes).
pub const AWS_TABLE_VERSION: &str = "aws-2026-12";

/// The region whose prices are used for regions the AWS tables do not list.
pub const AWS_REFERENCE_REGION: &str = "us-east-1";

const EBS_SOURCE: &str = "https://aws.amazon.com/ebs/pricing/";
const VPC_SOURCE: &str = "https://aws.amazon.com/vpc/pricing/";
const ELB_SOURCE: &str = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const EC2_SOURCE: &str = "https://aws.amazon.com/ec2/pricing/on-demand/";

/// EBS snapshots per region: (standard tier, archive tier) per GiB-month.
static SNAPSHOTS: &[(&str, (f64, f64))] = &[
    ("ap-northeast-1", (0.05, 0.0125)),
    ("ap-southeast-1", (0.05, 0.0125)),
    ("ap-southeast-2", (0.055, 0.01375)),
    ("eu-central-1", (0.054, 0.0135)),
    ("eu-west-1", (0.05, 0.0125)),
    ("eu-west-2", (0.053, 0.01325)),
    ("us-east-1", (0.05, 0.0125)),
    ("us-east-2", (0.05, 0.0125)),
    ("us-west-1", (0.055, 0.01375)),
    ("us-west-2", (0.05, 0.0125)),
];

/// Public IPv4 address per hour, per region.
static PUBLIC_IPV4: &[(&str, f64)] = &[
    ("ap-northeast-1", 0.005),
    ("ap-southeast-1", 0.005),
    ("ap-southeast-2", 0.005),
    ("eu-central-1", 0.005),
    ("eu-west-1", 0.005),
    ("eu-west-2", 0.005),
    ("us-east-1", 0.005),
    ("us-east-2", 0.005),
    ("us-west-1", 0.005),
    ("us-west-2", 0.005),
];

/// Load balancer hours per region: (ALB, NLB).
static LB_HOURS: &[(&str, (f64, f64))] = &[
    ("ap-northeast-1", (0.0243, 0.0243)),
    ("ap-southeast-1", (0.0252, 0.0252)),
    ("ap-southeast-2", (0.0252, 0.0252)),
    ("eu-central-1", (0.027, 0.027)),
    ("eu-west-1", (0.0252, 0.0252)),
    ("eu-west-2", (0.0264, 0.0264)),
    ("us-east-1", (0.0225, 0.0225)),
    ("us-east-2", (0.0225, 0.0225)),
    ("us-west-1", (0.0252, 0.0252)),
    ("us-west-2", (0.0225, 0.0225)),
];

/// Capacity units per region: (ALB LCU-hour, NLB NLCU-hour). Usage-based: listed, never
/// estimated.
static LB_CAPACITY_UNITS: &[(&str, (f64, f64))] = &[
    ("us-east-1", (0.008, 0.006)),
    ("us-east-2", (0.008, 0.006)),
    ("us-west-2", (0.008, 0.006)),
];

/// NAT gateway per region: (hour, GB processed). Only the hours are estimated.
static NAT_GATEWAY: &[(&str, (f64, f64))] = &[
    ("ap-northeast-1", (0.062, 0.062)),
    ("ap-southeast-1", (0.059, 0.059)),
    ("ap-southeast-2", (0.059, 0.059)),
    ("eu-central-1", (0.052, 0.052)),
    ("eu-west-1", (0.048, 0.048)),
    ("eu-west-2", (0.05, 0.05)),
    ("us-east-1", (0.045, 0.045)),
    ("us-east-2", (0.045, 0.045)),
    ("us-west-1", (0.048, 0.048)),
    ("us-west-2", (0.045, 0.045)),
];

/// Burstable sizes as multiples of the `large` price.
const BURSTABLE_SIZES: &[(&str, f64)] = &[
    ("nano", 0.0625),
    ("micro", 0.125),
    ("small", 0.25),
    ("medium", 0.5),
    ("large", 1.0),
    ("xlarge", 2.0),
    ("2xlarge", 4.0),
];

/// Fixed-performance sizes as multiples of the `large` price.
const FIXED_SIZES: &[(&str, f64)] = &[
    ("large", 1.0),
    ("xlarge", 2.0),
    ("2xlarge", 4.0),
    ("4xlarge", 8.0),
];

/// The EC2 families the table knows, with their sizes.
static EC2_FAMILIES: &[(&str, &[(&str, f64)])] = &[
    ("c5", FIXED_SIZES),
    ("c6i", FIXED_SIZES),
    ("m5", FIXED_SIZES),
    ("m6i", FIXED_SIZES),
    ("r5", FIXED_SIZES),
    ("r6i", FIXED_SIZES),
    ("t3", BURSTABLE_SIZES),
    ("t3a", BURSTABLE_SIZES),
];

/// EC2 Linux on-demand USD per hour of each family's `large` size, per region.
static EC2_LARGE_HOURLY: &[(&str, &[(&str, f64)])] = &[
    (
        "ap-northeast-1",
        &[
            ("c5", 0.107),
            ("c6i", 0.107),
            ("m5", 0.124),
            ("m6i", 0.124),
            ("r5", 0.152),
            ("r6i", 0.152),
            ("t3", 0.1088),
        ],
    ),
    (
        "ap-southeast-1",
        &[
            ("c5", 0.098),
            ("c6i", 0.098),
            ("m5", 0.12),
            ("m6i", 0.12),
            ("r5", 0.152),
            ("r6i", 0.152),
            ("t3", 0.1056),
            ("t3a", 0.0944),
        ],
    ),
    (
        "ap-southeast-2",
        &[
            ("c5", 0.111),
            ("c6i", 0.111),
            ("m5", 0.12),
            ("m6i", 0.12),
            ("r5", 0.151),
            ("r6i", 0.151),
            ("t3", 0.1056),
        ],
    ),
    (
        "eu-central-1",
        &[
            ("c5", 0.097),
            ("c6i", 0.097),
            ("m5", 0.115),
            ("m6i", 0.115),
            ("r5", 0.152),
            ("r6i", 0.152),
            ("t3", 0.096),
            ("t3a", 0.0864),
        ],
    ),
    (
        "eu-west-1",
        &[
            ("c5", 0.096),
            ("c6i", 0.096),
            ("m5", 0.107),
            ("m6i", 0.107),
            ("r5", 0.141),
            ("r6i", 0.141),
            ("t3", 0.0912),
            ("t3a", 0.0816),
        ],
    ),
    (
        "eu-west-2",
        &[
            ("c5", 0.101),
            ("c6i", 0.101),
            ("m5", 0.111),
            ("m6i", 0.111),
            ("r5", 0.148),
            ("r6i", 0.148),
            ("t3", 0.0944),
        ],
    ),
    (
        "us-east-1",
        &[
            ("c5", 0.085),
            ("c6i", 0.085),
            ("m5", 0.096),
            ("m6i", 0.096),
            ("r5", 0.126),
            ("r6i", 0.126),
            ("t3", 0.0832),
            ("t3a", 0.0752),
        ],
    ),
    (
        "us-east-2",
        &[
            ("c5", 0.085),
            ("c6i", 0.085),
            ("m5", 0.096),
            ("m6i", 0.096),
            ("r5", 0.126),
            ("r6i", 0.126),
            ("t3", 0.0832),
            ("t3a", 0.0752),
        ],
    ),
    (
        "us-west-1",
        &[
            ("c5", 0.106),
            ("c6i", 0.106),
            ("m5", 0.112),
            ("m6i", 0.112),
            ("r5", 0.14),
            ("r6i", 0.14),
            ("t3", 0.0992),
            ("t3a", 0.0896),
        ],
    ),
    (
        "us-west-2",
        &[
            ("c5", 0.085),
            ("c6i", 0.085),
            ("m5", 0.096),
            ("m6i", 0.096),
            ("r5", 0.126),
            ("r6i", 0.126),
            ("t3", 0.0832),
            ("t3a", 0.0752),
        ],
    ),
];

/// A load balancer type billed by the hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LbType {
    Application,
    Network,
}

impl LbType {
    /// The item of its price keys: `alb` or `nlb`.
    pub fn as_str(self) -> &'static str {
        match self {
            LbType::Application => "alb",
            LbType::Network => "nlb",
        }
    }
}

/// The row of `region`, else the reference region's row with the fallback flag.
fn region_or_reference<T: Copy>(
    table: &'static [(&'static str, T)],
    region: &Region,
) -> Option<(&'static str, T, bool)> {
    let find = |name: &str| table.iter().find(|(r, _)| *r == name).copied();
    match find(region.as_str()) {
        Some((r, v)) => Some((r, v, false)),
        None => find(AWS_REFERENCE_REGION).map(|(r, v)| (r, v, true)),
    }
}

/// USD per hour of an EC2 size, rounded to the price list's precision.
fn ec2_hourly(large_hourly: f64, multiple: f64) -> f64 {
    (large_hourly * multiple * 1e6).round() / 1e6
}

/// Every built-in AWS price.
pub(super) fn entries(out: &mut Vec<PriceEntry>) {
    let ebs = |out: &mut Vec<PriceEntry>, key: String, usd: f64, unit: &'static str| {
        out.push(PriceEntry::builtin(
            key,
            usd,
            unit,
            EBS_TABLE_VERSION,
            EBS_SOURCE,
        ));
    };
    for (r, p) in EBS {
        for (t, usd) in [
            ("gp2", p.gp2_gb),
            ("gp3", p.gp3_gb),
            ("io1", p.io1_gb),
            ("io2", p.io2_gb),
            ("st1", p.st1_gb),
            ("sc1", p.sc1_gb),
            ("standard", p.standard_gb),
        ] {
            ebs(out, format!("ebs:{t}:{r}:storage"), usd, "GiB-month");
        }
        ebs(out, format!("ebs:gp3:{r}:iops"), p.gp3_iops, "IOPS-month");
        ebs(
            out,
            format!("ebs:gp3:{r}:throughput"),
            p.gp3_throughput_mibps,
            "MiB/s-month",
        );
        ebs(out, format!("ebs:io1:{r}:iops"), p.io1_iops, "IOPS-month");
        for (part, usd) in ["iops", "iops-tier2", "iops-tier3"]
            .into_iter()
            .zip(p.io2_iops)
        {
            ebs(out, format!("ebs:io2:{r}:{part}"), usd, "IOPS-month");
        }
    }
    let aws = |out: &mut Vec<PriceEntry>,
               key: String,
               usd: f64,
               unit: &'static str,
               source: &'static str| {
        out.push(PriceEntry::builtin(
            key,
            usd,
            unit,
            AWS_TABLE_VERSION,
            source,
        ));
    };
    for (r, (standard, archive)) in SNAPSHOTS {
        aws(
            out,
            format!("ebs-snapshot:standard:{r}"),
            *standard,
            "GiB-month",
            EBS_SOURCE,
        );
        aws(
            out,
            format!("ebs-snapshot:archive:{r}"),
            *archive,
            "GiB-month",
            EBS_SOURCE,
        );
    }
    for (r, usd) in PUBLIC_IPV4 {
        aws(
            out,
            format!("vpc:public-ipv4:{r}"),
            *usd,
            "hour",
            VPC_SOURCE,
        );
    }
    for (r, (alb, nlb)) in LB_HOURS {
        aws(out, format!("elb:alb:{r}:hour"), *alb, "hour", ELB_SOURCE);
        aws(out, format!("elb:nlb:{r}:hour"), *nlb, "hour", ELB_SOURCE);
    }
    for (r, (lcu, nlcu)) in LB_CAPACITY_UNITS {
        aws(
            out,
            format!("elb:alb:{r}:lcu-hour"),
            *lcu,
            "LCU-hour",
            ELB_SOURCE,
        );
        aws(
            out,
            format!("elb:nlb:{r}:nlcu-hour"),
            *nlcu,
            "NLCU-hour",
            ELB_SOURCE,
        );
    }
    for (r, (hour, gb)) in NAT_GATEWAY {
        aws(
            out,
            format!("vpc:nat-gateway:{r}:hour"),
            *hour,
            "hour",
            VPC_SOURCE,
        );
        aws(
            out,
            format!("vpc:nat-gateway:{r}:gb-processed"),
            *gb,
            "GB",
            VPC_SOURCE,
        );
    }
    for (r, families) in EC2_LARGE_HOURLY {
        for (family, large) in *families {
            let sizes = EC2_FAMILIES
                .iter()
                .find(|(f, _)| f == family)
                .map_or(&[][..], |(_, s)| *s);
            for (size, multiple) in sizes {
                aws(
                    out,
                    format!("ec2:{family}.{size}:{r}"),
                    ec2_hourly(*large, *multiple),
                    "hour",
                    EC2_SOURCE,
                );
            }
        }
    }
}

impl PriceTable {
    /// Regions with their own EBS entry, sorted.
    pub fn ebs_regions(&self) -> impl Iterator<Item = &'static str> + '_ {
        EBS.iter().map(|(r, _)| *r)
    }

    /// The built-in EBS prices of `region` (before overrides) and whether the reference
    /// region was used instead.
    pub fn ebs_prices(&self, region: &Region) -> Option<(&'static str, EbsPrices, bool)> {
        region_or_reference(EBS, region)
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
        let mut e = Estimate::new(self, EBS_TABLE_VERSION, region_fallback);
        let size = size_gib.max(0);
        e.add(key("storage"), storage_price, "GiB-month", f64::from(size));
        let iops = iops.unwrap_or(0).max(0);
        match volume_type {
            VolumeType::Gp3 => {
                let extra_iops = (iops - GP3_BASELINE_IOPS).max(0);
                if extra_iops > 0 {
                    e.add(key("iops"), p.gp3_iops, "IOPS-month", f64::from(extra_iops));
                }
                let extra_tp =
                    (throughput_mibps.unwrap_or(0) - GP3_BASELINE_THROUGHPUT_MIBPS).max(0);
                if extra_tp > 0 {
                    e.add(
                        key("throughput"),
                        p.gp3_throughput_mibps,
                        "MiB/s-month",
                        f64::from(extra_tp),
                    );
                }
            }
            VolumeType::Io1 if iops > 0 => {
                e.add(key("iops"), p.io1_iops, "IOPS-month", f64::from(iops));
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
                        e.add(key(part), price, "IOPS-month", f64::from(quantity));
                    }
                }
            }
            _ => {}
        }
        Some(e.finish(format!("ebs:{type_name}:{priced_region}")))
    }

    /// Monthly cost of one EBS snapshot of `gib` GiB, in the archive tier if `archive`. The
    /// standard tier bills only the blocks the snapshot does not share with older snapshots
    /// of its lineage, so for it `gib` should be that incremental size if known (the source
    /// volume's size is an upper bound); an archived snapshot is a full copy.
    pub fn snapshot_monthly(
        &self,
        region: &Region,
        gib: i32,
        archive: bool,
    ) -> Option<(f64, PricingBasis)> {
        let (r, (standard, archived), fallback) = region_or_reference(SNAPSHOTS, region)?;
        let (tier, price) = if archive {
            ("archive", archived)
        } else {
            ("standard", standard)
        };
        let key = format!("ebs-snapshot:{tier}:{r}");
        let mut e = Estimate::new(self, AWS_TABLE_VERSION, fallback);
        e.add(key.clone(), price, "GiB-month", f64::from(gib.max(0)));
        Some(e.finish(key))
    }

    /// Monthly saving of migrating a gp2 volume of `size_gib` to gp3 with at least the same
    /// baseline performance, with its basis. Components: the gp2 storage (positive), then the
    /// gp3 storage and, for large volumes, the gp3 IOPS and throughput that matching gp2's
    /// baseline needs (negative quantities), so they add up to the saving. gp2's baseline is
    /// 3 IOPS per GiB (at least 100, at most 16,000) and up to 250 MiB/s (from 334 GiB);
    /// gp3 includes 3,000 IOPS and 125 MiB/s. In the table's regions gp3 storage is 20 %
    /// cheaper than gp2, so small volumes save exactly 20 % of their gp2 price. `None` if
    /// gp3 would not be cheaper.
    pub fn gp2_to_gp3_monthly_saving(
        &self,
        region: &Region,
        size_gib: i32,
    ) -> Option<(f64, PricingBasis)> {
        let (priced_region, p, region_fallback) = self.ebs_prices(region)?;
        let size = size_gib.max(0);
        let key = |t: &str, part: &str| format!("ebs:{t}:{priced_region}:{part}");
        let mut e = Estimate::new(self, EBS_TABLE_VERSION, region_fallback);
        e.add(
            key("gp2", "storage"),
            p.gp2_gb,
            "GiB-month",
            f64::from(size),
        );
        e.add(
            key("gp3", "storage"),
            p.gp3_gb,
            "GiB-month",
            -f64::from(size),
        );
        let gp2_iops = size.saturating_mul(3).clamp(100, 16_000);
        let extra_iops = (gp2_iops - GP3_BASELINE_IOPS).max(0);
        if extra_iops > 0 {
            e.add(
                key("gp3", "iops"),
                p.gp3_iops,
                "IOPS-month",
                -f64::from(extra_iops),
            );
        }
        if size >= 334 {
            let extra = 250 - GP3_BASELINE_THROUGHPUT_MIBPS;
            e.add(
                key("gp3", "throughput"),
                p.gp3_throughput_mibps,
                "MiB/s-month",
                -f64::from(extra),
            );
        }
        let (usd, basis) = e.finish(format!("ebs:gp2-to-gp3:{priced_region}"));
        (usd > 0.0).then_some((usd, basis))
    }

    /// Monthly cost of an idle Elastic IP: every public IPv4 address bills by the hour,
    /// attached or not, so an unattached one is pure waste.
    pub fn eip_idle_monthly(&self, region: &Region) -> Option<(f64, PricingBasis)> {
        let (r, price, fallback) = region_or_reference(PUBLIC_IPV4, region)?;
        let key = format!("vpc:public-ipv4:{r}");
        let mut e = Estimate::new(self, AWS_TABLE_VERSION, fallback);
        e.add(key.clone(), price, "hour", HOURS_PER_MONTH);
        Some(e.finish(key))
    }

    /// Monthly hours of one load balancer. Capacity units (LCU / NLCU) are usage-based and not
    /// estimated, so this is the floor of what it costs (what an idle one costs).
    pub fn load_balancer_monthly(
        &self,
        region: &Region,
        lb_type: LbType,
    ) -> Option<(f64, PricingBasis)> {
        let (r, (alb, nlb), fallback) = region_or_reference(LB_HOURS, region)?;
        let price = match lb_type {
            LbType::Application => alb,
            LbType::Network => nlb,
        };
        let key = format!("elb:{}:{r}:hour", lb_type.as_str());
        let mut e = Estimate::new(self, AWS_TABLE_VERSION, fallback);
        e.add(key.clone(), price, "hour", HOURS_PER_MONTH);
        Some(e.finish(key))
    }

    /// Monthly hours of one NAT gateway. Data processed per GB is usage-based and not
    /// estimated, so this is what an idle one costs.
    pub fn nat_gateway_monthly(&self, region: &Region) -> Option<(f64, PricingBasis)> {
        let (r, (hour, _per_gb), fallback) = region_or_reference(NAT_GATEWAY, region)?;
        let key = format!("vpc:nat-gateway:{r}:hour");
        let mut e = Estimate::new(self, AWS_TABLE_VERSION, fallback);
        e.add(key.clone(), hour, "hour", HOURS_PER_MONTH);
        Some(e.finish(key))
    }

    /// Monthly cost of one EC2 instance running all month, Linux on-demand, shared tenancy.
    /// `None` for an instance type the table does not know (family or size).
    pub fn ec2_instance_monthly(
        &self,
        region: &Region,
        instance_type: &str,
    ) -> Option<(f64, PricingBasis)> {
        let (family, size) = instance_type.split_once('.')?;
        let (_, sizes) = EC2_FAMILIES.iter().find(|(f, _)| *f == family)?;
        let (_, multiple) = sizes.iter().find(|(s, _)| *s == size)?;
        let in_row = |name: &str| {
            EC2_LARGE_HOURLY
                .iter()
                .find(|(r, _)| *r == name)
                .and_then(|(r, fams)| {
                    fams.iter()
                        .find(|(f, _)| *f == family)
                        .map(|(_, large)| (*r, *large))
                })
        };
        let (r, large, fallback) = match in_row(region.as_str()) {
            Some((r, large)) => (r, large, false),
            None => {
                let (r, large) = in_row(AWS_REFERENCE_REGION)?;
                (r, large, true)
            }
        };
        let key = format!("ec2:{family}.{size}:{r}");
        let mut e = Estimate::new(self, AWS_TABLE_VERSION, fallback);
        e.add(
            key.clone(),
            ec2_hourly(large, *multiple),
            "hour",
            HOURS_PER_MONTH,
        );
        Some(e.finish(key))
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

    #[test]
    fn gp2_to_gp3_saving_matches_baseline_performance() {
        let t = PriceTable::default();
        // small volume: 20 % of the gp2 price (us-east-1: 0.10 -> 0.08)
        let (usd, basis) = t
            .gp2_to_gp3_monthly_saving(&region("us-east-1"), 100)
            .unwrap();
        assert_eq!(usd, 2.0);
        assert_eq!(basis.price_key, "ebs:gp2-to-gp3:us-east-1");
        assert_eq!(basis.components.len(), 2);
        assert_eq!(
            t.gp2_to_gp3_monthly_saving(&region("eu-west-1"), 100)
                .unwrap()
                .0,
            2.2
        );
        // 2,000 GiB: gp2 200 - gp3 160 - 3,000 extra IOPS * 0.005 - 125 MiB/s * 0.04 = 20
        let (usd, basis) = t
            .gp2_to_gp3_monthly_saving(&region("us-east-1"), 2000)
            .unwrap();
        assert_eq!(usd, 20.0);
        assert_eq!(basis.components.len(), 4);
        let sum: f64 = basis.components.iter().map(|c| c.monthly_usd).sum();
        assert!((sum - 20.0).abs() < 1e-9);
        assert!(t
            .gp2_to_gp3_monthly_saving(&region("us-east-1"), 0)
            .is_none());
    }

    #[test]
    fn aws_tables_are_sorted_and_cover_the_ebs_regions() {
        let ebs: Vec<&str> = EBS.iter().map(|(r, _)| *r).collect();
        fn names<T>(t: &[(&'static str, T)]) -> Vec<&'static str> {
            t.iter().map(|(r, _)| *r).collect()
        }
        for (what, regions) in [
            ("snapshots", names(SNAPSHOTS)),
            ("public ipv4", names(PUBLIC_IPV4)),
            ("lb hours", names(LB_HOURS)),
            ("nat", names(NAT_GATEWAY)),
            ("ec2", names(EC2_LARGE_HOURLY)),
        ] {
            assert_eq!(regions, ebs, "{what}");
        }
        let lcu = names(LB_CAPACITY_UNITS);
        let mut sorted = lcu.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(lcu, sorted);
        for (r, families) in EC2_LARGE_HOURLY {
            let fams: Vec<&str> = families.iter().map(|(f, _)| *f).collect();
            let mut sorted = fams.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(fams, sorted, "{r}");
            assert!(
                fams.iter()
                    .all(|f| EC2_FAMILIES.iter().any(|(k, _)| k == f)),
                "{r}"
            );
            // Sixth-generation Intel families are priced as their fifth-generation twins.
            let price = |f: &str| families.iter().find(|(k, _)| *k == f).map(|(_, p)| *p);
            for (five, six) in [("m5", "m6i"), ("c5", "c6i"), ("r5", "r6i")] {
                assert_eq!(price(five), price(six), "{r}");
                assert!(price(five).is_some(), "{r} {five}");
            }
        }
        // The reference region has every family, so every known type can fall back.
        let reference = EC2_LARGE_HOURLY
            .iter()
            .find(|(r, _)| *r == AWS_REFERENCE_REGION)
            .unwrap();
        assert_eq!(reference.1.len(), EC2_FAMILIES.len());
    }

    #[test]
    fn snapshots_standard_and_archive() {
        let t = PriceTable::default();
        // 100 GiB * 0.05 and * 0.0125
        let (usd, basis) = t
            .snapshot_monthly(&region("us-east-1"), 100, false)
            .unwrap();
        assert_eq!(usd, 5.00);
        assert_eq!(basis.price_key, "ebs-snapshot:standard:us-east-1");
        assert_eq!(basis.table_version, AWS_TABLE_VERSION);
        assert_eq!(
            (basis.unit_price_usd, basis.unit.as_str(), basis.quantity),
            (0.05, "GiB-month", 100.0)
        );
        let (usd, basis) = t.snapshot_monthly(&region("us-east-1"), 100, true).unwrap();
        assert_eq!(usd, 1.25);
        assert_eq!(basis.price_key, "ebs-snapshot:archive:us-east-1");
        // 250 GiB * 0.054 in eu-central-1
        assert_eq!(
            t.snapshot_monthly(&region("eu-central-1"), 250, false)
                .unwrap()
                .0,
            13.50
        );
        let (usd, basis) = t.snapshot_monthly(&region("sa-east-1"), 10, false).unwrap();
        assert_eq!((usd, basis.region_fallback), (0.50, true));
        assert_eq!(
            t.snapshot_monthly(&region("us-east-1"), -1, true)
                .unwrap()
                .0,
            0.0
        );
    }

    #[test]
    fn idle_public_ipv4() {
        let t = PriceTable::default();
        // 730 h * 0.005
        let (usd, basis) = t.eip_idle_monthly(&region("eu-west-2")).unwrap();
        assert_eq!(usd, 3.65);
        assert_eq!(basis.price_key, "vpc:public-ipv4:eu-west-2");
        assert_eq!(
            (basis.unit_price_usd, basis.unit.as_str(), basis.quantity),
            (0.005, "hour", 730.0)
        );
        assert!(!basis.region_fallback);
        assert!(
            t.eip_idle_monthly(&region("me-south-1"))
                .unwrap()
                .1
                .region_fallback
        );
    }

    #[test]
    fn load_balancer_hours() {
        let t = PriceTable::default();
        // 730 h * 0.0225 = 16.425, rounded half away from zero.
        let (usd, basis) = t
            .load_balancer_monthly(&region("us-east-1"), LbType::Application)
            .unwrap();
        assert_eq!(usd, 16.43);
        assert_eq!(basis.price_key, "elb:alb:us-east-1:hour");
        assert_eq!(
            basis.components.len(),
            1,
            "capacity units are not estimated"
        );
        // 730 h * 0.027
        assert_eq!(
            t.load_balancer_monthly(&region("eu-central-1"), LbType::Application)
                .unwrap()
                .0,
            19.71
        );
        // 730 h * 0.0264 = 19.272
        let (usd, basis) = t
            .load_balancer_monthly(&region("eu-west-2"), LbType::Network)
            .unwrap();
        assert_eq!(usd, 19.27);
        assert_eq!(basis.price_key, "elb:nlb:eu-west-2:hour");
        let (_, basis) = t
            .load_balancer_monthly(&region("ca-central-1"), LbType::Network)
            .unwrap();
        assert!(basis.region_fallback);
        assert_eq!(basis.price_key, "elb:nlb:us-east-1:hour");
        // Capacity unit prices are listed for reference.
        let lcu = t
            .keys()
            .find(|e| e.key == "elb:alb:us-east-1:lcu-hour")
            .unwrap();
        assert_eq!((lcu.usd_per_unit, lcu.unit), (0.008, "LCU-hour"));
    }

    #[test]
    fn nat_gateway_hours() {
        let t = PriceTable::default();
        // 730 h * 0.045 (published golden figure 32.85)
        let (usd, basis) = t.nat_gateway_monthly(&region("us-east-1")).unwrap();
        assert_eq!(usd, 32.85);
        assert_eq!(basis.price_key, "vpc:nat-gateway:us-east-1:hour");
        // 730 h * 0.062
        assert_eq!(
            t.nat_gateway_monthly(&region("ap-northeast-1")).unwrap().0,
            45.26
        );
        let gb = t
            .keys()
            .find(|e| e.key == "vpc:nat-gateway:us-east-1:gb-processed")
            .unwrap();
        assert_eq!((gb.usd_per_unit, gb.unit), (0.045, "GB"));
    }

    #[test]
    fn ec2_instances_by_family_and_size() {
        let t = PriceTable::default();
        let monthly = |r: &str, ty: &str| t.ec2_instance_monthly(&region(r), ty).unwrap().0;
        // 730 h * 0.0104 / 0.0416 / 0.096 (published golden figures 7.59, 30.37, 70.08)
        let (usd, basis) = t
            .ec2_instance_monthly(&region("us-east-1"), "t3.micro")
            .unwrap();
        assert_eq!(usd, 7.59);
        assert_eq!(basis.price_key, "ec2:t3.micro:us-east-1");
        assert_eq!(
            (basis.unit_price_usd, basis.unit.as_str(), basis.quantity),
            (0.0104, "hour", 730.0)
        );
        assert!(!basis.region_fallback);
        assert_eq!(monthly("us-east-1", "t3.medium"), 30.37);
        assert_eq!(monthly("us-east-1", "m5.large"), 70.08);
        assert_eq!(monthly("us-east-1", "m6i.large"), 70.08);
        assert_eq!(monthly("us-west-2", "t3.micro"), 7.59);
        // 730 h * 0.68
        assert_eq!(monthly("us-east-1", "c5.4xlarge"), 496.40);
        // 730 h * 0.0114 (eu-west-1 t3.micro)
        assert_eq!(monthly("eu-west-1", "t3.micro"), 8.32);
        // 730 h * 4 * 0.141 = 411.72
        assert_eq!(monthly("eu-west-1", "r6i.2xlarge"), 411.72);
        // 730 h * 2 * 0.115
        assert_eq!(monthly("eu-central-1", "m5.xlarge"), 167.90);
        // 730 h * 0.0832 / 16 = 0.0052
        assert_eq!(monthly("us-east-1", "t3.nano"), 3.80);
        // 730 h * 0.1088 / 2 (ap-northeast-1 t3.medium)
        assert_eq!(monthly("ap-northeast-1", "t3.medium"), 39.71);
        // t3a is not listed for Tokyo: 730 h * 0.0094 at us-east-1, flagged.
        let (usd, basis) = t
            .ec2_instance_monthly(&region("ap-northeast-1"), "t3a.micro")
            .unwrap();
        assert_eq!(usd, 6.86);
        assert!(basis.region_fallback);
        assert_eq!(basis.price_key, "ec2:t3a.micro:us-east-1");
        let (_, basis) = t
            .ec2_instance_monthly(&region("sa-east-1"), "c6i.large")
            .unwrap();
        assert!(basis.region_fallback);
        for unknown in [
            "m7i.large",
            "t3.huge",
            "m5.nano",
            "m5",
            "",
            ".large",
            "M5.LARGE",
        ] {
            assert!(
                t.ec2_instance_monthly(&region("us-east-1"), unknown)
                    .is_none(),
                "{unknown}"
            );
        }
        // Derived sizes are exact list figures, not float noise.
        let nano = t.keys().find(|e| e.key == "ec2:t3.nano:us-east-1").unwrap();
        assert_eq!(nano.usd_per_unit, 0.0052);
        let big = t
            .keys()
            .find(|e| e.key == "ec2:r5.4xlarge:eu-west-1")
            .unwrap();
        assert_eq!(big.usd_per_unit, 1.128);
    }
}
