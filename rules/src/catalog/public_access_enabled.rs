//! `drift.public_access_enabled`: a resource of the approved baseline has become reachable by
//! anyone since: an S3 bucket made public (ACL or policy, not neutralised by its public access
//! block), an EBS snapshot shared with all accounts, a security group or network ACL rule
//! opened to `0.0.0.0/0` / `::/0`; on Azure, a storage account allowing public blob access
//! or opened to every network, a key vault opened to every network, a SQL server firewall
//! rule for every address, a snapshot made exportable from any network, and a network
//! security group admitting internet traffic it did not ([`nsg_opened`]). Per kind in
//! [`openings`].

use std::collections::BTreeSet;

use skywarden_graph::model::{
    AclAction, AzureKeyVault, AzureNetworkSecurityGroup, AzureSnapshot, AzureSqlServer,
    AzureStorageAccount, Bucket, NetworkAcl, NsgProtocol, NsgRule, PublicNetworkAccess,
    SecurityGroup, Snapshot, WORLD_IPV4, WORLD_IPV6,
};
use skywarden_graph::{Resource, ResourceKind};

use crate::baseline::modified_findings;
use crate::catalog::{bucket_public_by_acl, bucket_public_by_policy};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "drift.public_access_enabled",
        title: "Public access enabled since the approved baseline",
        description: "Compared with the connection's pinned baseline, the resource has become \
                      reachable by anyone: an S3 bucket whose ACL grants AllUsers or whose \
                      policy allows `*` without the bucket's public access block neutralising \
                      it; an EBS snapshot whose create-volume permission includes all \
                      accounts; a security group ingress rule or network ACL inbound allow \
                      entry from 0.0.0.0/0 or ::/0 that the baseline did not have. Azure: a \
                      storage account whose `allowBlobPublicAccess` became true or whose \
                      network access became open to every network (`publicNetworkAccess` \
                      `Enabled`/absent and `networkAcls.defaultAction` `Allow`/absent); a key \
                      vault opened to every network the same way; a SQL server firewall rule \
                      0.0.0.0 - 255.255.255.255 added, or public network access enabled on a \
                      server that has one (a narrower firewall does not make it reachable by \
                      anyone; a server whose firewall rules were not read is not compared); a \
                      snapshot made exportable from any network (`networkAccessPolicy` \
                      `AllowAll` or `publicNetworkAccess` `Enabled`); a network security group \
                      whose custom inbound Allow rules now admit internet traffic (source `*`, \
                      `Any`, `Internet`, `0.0.0.0/0`, `::/0`) on a protocol, port or \
                      destination the approved rules did not admit, net of higher-priority \
                      Deny rules (a new or widened Allow, or a removed Deny). The evidence is \
                      the JSON Patch of the fields that decide it.",
        severity: Severity::High,
        category: Category::Drift,
        kinds: &[
            ResourceKind::AwsS3Bucket,
            ResourceKind::AwsEbsSnapshot,
            ResourceKind::AwsEc2SecurityGroup,
            ResourceKind::AwsEc2NetworkAcl,
            ResourceKind::AzureStorageAccount,
            ResourceKind::AzureKeyvaultVault,
            ResourceKind::AzureSqlServer,
            ResourceKind::AzureComputeSnapshot,
            ResourceKind::AzureNetworkSecurityGroup,
        ],
        remediation: "Revert the change unless the exposure is intended: restore the bucket's \
                      public access block (`aws s3api put-public-access-block`) and remove \
                      the public grant or statement; `aws ec2 modify-snapshot-attribute \
                      --operation-type remove --group-names all`; revoke the world-open rule. \
                      Azure: `az storage account update -g <rg> -n <account> \
                      --allow-blob-public-access false --public-network-access Disabled` (or \
                      `--default-action Deny`); `az keyvault update -g <rg> -n <vault> \
                      --public-network-access Disabled` (or `--default-action Deny`); `az sql \
                      server firewall-rule delete -g <rg> -s <server> -n <rule>`; `az snapshot \
                      update -g <rg> -n <snapshot> --network-access-policy DenyAll \
                      --public-network-access Disabled`; `az network nsg rule delete -g <rg> \
                      --nsg-name <nsg> -n <rule>` (or narrow its source). If intended, approve \
                      it (`skywarden baselines approve --resource <id>`).",
        frameworks: &[],
    },
    eval,
};

/// The ways `r` is open to anyone, one string per opening, and the document fields that
/// decide them; `None`: not a kind this rule reads, or not known (unreadable bucket details).
fn openings(r: &Resource) -> Option<(BTreeSet<String>, &'static [&'static str])> {
    if let Some(b) = r.model::<Bucket>() {
        let mut out = BTreeSet::new();
        if bucket_public_by_acl(b) {
            out.insert("acl".to_string());
        }
        if bucket_public_by_policy(b) {
            out.insert("policy".to_string());
        }
        return Some((
            out,
            &[
                "/properties/acl",
                "/properties/policy",
                "/properties/policy_is_public",
                "/properties/public_access_block",
            ],
        ));
    }
    if let Some(s) = r.model::<Snapshot>() {
        let out = if s.public { BTreeSet::from(["all".to_string()]) } else { BTreeSet::new() };
        return Some((out, &["/properties/public"]));
    }
    if let Some(sg) = r.model::<SecurityGroup>() {
        let out = sg
            .ingress
            .iter()
            .flat_map(|p| {
                p.world_sources().into_iter().map(move |src| {
                    format!("{:?} {:?}-{:?} {src}", p.protocol, p.from_port, p.to_port)
                })
            })
            .collect();
        return Some((out, &["/properties/ingress"]));
    }
    if let Some(acl) = r.model::<NetworkAcl>() {
        let out = acl
            .entries
            .iter()
            .filter(|e| !e.egress && e.action == AclAction::Allow)
            .filter(|e| {
                e.cidr_ipv4.as_deref() == Some(WORLD_IPV4)
                    || e.cidr_ipv6.as_deref() == Some(WORLD_IPV6)
            })
            .map(|e| format!("{} {:?} {:?}", e.rule_number, e.protocol, e.port_range))
            .collect();
        return Some((out, &["/properties/entries"]));
    }
    if let Some(a) = r.model::<AzureStorageAccount>() {
        let mut out = BTreeSet::new();
        if a.blob_public_access_allowed() {
            out.insert("blob_public_access".to_string());
        }
        if a.public_network_open() {
            out.insert("public_network".to_string());
        }
        return Some((
            out,
            &[
                "/properties/allow_blob_public_access",
                "/properties/public_network_access",
                "/properties/network_acls_default_action",
            ],
        ));
    }
    if let Some(v) = r.model::<AzureKeyVault>() {
        let out = if v.public_network_open() {
            BTreeSet::from(["public_network".to_string()])
        } else {
            BTreeSet::new()
        };
        return Some((
            out,
            &["/properties/public_network_access", "/properties/network_acls_default_action"],
        ));
    }
    if let Some(s) = r.model::<AzureSqlServer>() {
        // Absent is `Enabled` (ARM's default for SQL servers).
        let public = matches!(s.public_network_access, None | Some(PublicNetworkAccess::Enabled));
        let out = s
            .firewall_rules
            .as_ref()?
            .iter()
            .filter(|f| public && f.allows_all())
            .map(|f| format!("firewall {}", f.name))
            .collect();
        return Some((out, &["/properties/public_network_access", "/properties/firewall_rules"]));
    }
    if let Some(s) = r.model::<AzureSnapshot>() {
        let out = if s.publicly_exportable() {
            BTreeSet::from(["export".to_string()])
        } else {
            BTreeSet::new()
        };
        return Some((
            out,
            &["/properties/network_access_policy", "/properties/public_network_access"],
        ));
    }
    None
}

/// Where an NSG's custom rules live in its document.
const NSG_RULES: &[&str] = &["/properties/security_rules"];

/// What an NSG admits from the internet: per custom inbound Allow rule with an internet
/// source and per concrete protocol, the port ranges no higher-priority Deny shadows.
fn nsg_openings(nsg: &AzureNetworkSecurityGroup) -> Vec<(&NsgProtocol, u16, u16, &NsgRule)> {
    nsg.security_rules
        .iter()
        .flat_map(|rule| {
            NsgProtocol::KNOWN
                .iter()
                .filter(|p| **p != NsgProtocol::Any)
                .flat_map(move |p| {
                    nsg.unshadowed_internet_ports(rule, p)
                        .into_iter()
                        .map(move |(lo, hi)| (p, lo, hi, rule))
                })
        })
        .collect()
}

/// Whether `now` admits internet traffic `before` did not: some protocol, port and destination
/// of an opening of `now` is not within an opening of `before` (same protocol, ports covered
/// by the union of its ranges, a destination covering the current rule's).
fn nsg_opened(before: &AzureNetworkSecurityGroup, now: &AzureNetworkSecurityGroup) -> bool {
    let approved = nsg_openings(before);
    nsg_openings(now).into_iter().any(|(p, lo, hi, rule)| {
        let mut cover: Vec<(u32, u32)> = approved
            .iter()
            .filter(|(q, _, _, r)| *q == p && r.destination_covers(rule))
            .map(|(_, a, b, _)| (u32::from(*a), u32::from(*b)))
            .collect();
        cover.sort_unstable();
        let mut next = u32::from(lo);
        for (a, b) in cover {
            if a > next {
                break;
            }
            next = next.max(b + 1);
        }
        next <= u32::from(hi)
    })
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    modified_findings(cx, &RULE.meta, |approved, current| {
        if let Some(now) = current.model::<AzureNetworkSecurityGroup>() {
            let before = approved.model::<AzureNetworkSecurityGroup>()?;
            return nsg_opened(before, now).then_some(NSG_RULES);
        }
        let (now, paths) = openings(current)?;
        let (before, _) = openings(approved)?;
        (!now.is_subset(&before)).then_some(paths)
    })
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{
        AclPermission, NetworkAccessPolicy, NetworkDefaultAction, NsgPortRange, SqlFirewallRule,
    };
    use skywarden_graph::testkit::azure::{
        az_key_vault, az_nsg, az_snapshot, az_sql, az_storage, nsg_rule,
    };
    use skywarden_graph::testkit::{all_users_grant, bucket, bucket_policy, sg, sg_perm, snapshot};

    use super::*;
    use crate::baseline::testkit::{ops, run};

    fn paths(f: &Finding) -> Vec<String> {
        ops(f).into_iter().map(|(op, path)| format!("{op} {path}")).collect()
    }

    #[test]
    fn a_bucket_made_public_fires_with_the_deciding_fields() {
        let approved = vec![bucket("b1", |_| {}), bucket("b2", |_| {})];
        let public = bucket("b1", |b| {
            b.public_access_block = None;
            b.policy = Some(bucket_policy(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b1/*"}]}"#,
            ));
        });
        // An ACL grant that the (unchanged) block neutralises is not public access.
        let blocked = bucket("b2", |b| {
            if let Some(acl) = &mut b.acl {
                acl.grants.push(all_users_grant(AclPermission::Read));
            }
        });
        let findings = run(&RULE, approved, vec![public, blocked], &[]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].resource_id.to_string(), "arn:aws:s3:::b1");
        assert_eq!(
            paths(&findings[0]),
            ["replace /properties/policy", "replace /properties/public_access_block"]
        );
    }

    #[test]
    fn a_public_snapshot_and_a_world_open_group_fire() {
        let approved = vec![
            snapshot("snap-1", |_| {}),
            sg("sg-1", vec![sg_perm("tcp", Some(22), Some(22), &["10.0.0.0/8"], &[])]),
        ];
        let current = vec![
            snapshot("snap-1", |s| s.public = true),
            sg(
                "sg-1",
                vec![sg_perm("tcp", Some(22), Some(22), &["10.0.0.0/8", "0.0.0.0/0"], &[])],
            ),
        ];
        let findings = run(&RULE, approved, current, &[]);
        let got: Vec<(&str, Vec<String>)> = findings
            .iter()
            .map(|f| (f.resource_id.short_id(), paths(f)))
            .collect();
        assert_eq!(
            got,
            [
                ("sg-1", vec!["add /properties/ingress/0/ipv4_ranges/1".to_string()]),
                ("snap-1", vec!["replace /properties/public".to_string()]),
            ]
        );
    }

    #[test]
    fn already_public_or_still_private_passes() {
        let open = sg("sg-1", vec![sg_perm("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[])]);
        let approved = vec![open.clone(), snapshot("snap-1", |s| s.public = true)];
        let current = vec![open, snapshot("snap-1", |s| s.public = true)];
        assert!(run(&RULE, approved, current, &[]).is_empty());
        let private = vec![snapshot("snap-2", |_| {})];
        assert!(run(&RULE, private.clone(), private, &[]).is_empty());
    }

    fn az_ops(findings: &[Finding]) -> Vec<(&str, Vec<String>)> {
        findings.iter().map(|f| (f.resource_id.short_id(), paths(f))).collect()
    }

    fn all_addresses(name: &str) -> SqlFirewallRule {
        SqlFirewallRule {
            name: name.into(),
            start_ip: "0.0.0.0".into(),
            end_ip: "255.255.255.255".into(),
        }
    }

    #[test]
    fn azure_storage_key_vault_sql_and_snapshot_opened_fire() {
        let approved = vec![
            az_storage("st1", |_| {}),
            az_key_vault("kv1", |_| {}),
            az_sql("sql1", |_| {}),
            az_sql("sql2", |s| {
                s.public_network_access = Some(PublicNetworkAccess::Disabled);
                s.firewall_rules = Some(vec![all_addresses("all")]);
            }),
            az_snapshot("snap1", |_| {}),
        ];
        let current = vec![
            az_storage("st1", |s| s.allow_blob_public_access = Some(true)),
            az_key_vault("kv1", |v| {
                v.public_network_access = Some(PublicNetworkAccess::Enabled);
                v.network_acls_default_action = Some(NetworkDefaultAction::Allow);
            }),
            az_sql("sql1", |s| s.firewall_rules = Some(vec![all_addresses("all")])),
            // Public network access enabled on a server whose firewall admits everyone.
            az_sql("sql2", |s| s.firewall_rules = Some(vec![all_addresses("all")])),
            az_snapshot("snap1", |s| s.network_access_policy = Some(NetworkAccessPolicy::AllowAll)),
        ];
        let findings = run(&RULE, approved, current, &[]);
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
        assert_eq!(
            az_ops(&findings),
            [
                ("snap1", s(&["replace /properties/network_access_policy"])),
                (
                    "kv1",
                    s(&[
                        "replace /properties/network_acls_default_action",
                        "replace /properties/public_network_access"
                    ])
                ),
                ("sql1", s(&["add /properties/firewall_rules/0"])),
                ("sql2", s(&["replace /properties/public_network_access"])),
                ("st1", s(&["replace /properties/allow_blob_public_access"])),
            ]
        );
    }

    #[test]
    fn azure_changes_that_open_nothing_to_anyone_pass() {
        let approved = vec![
            az_storage("st1", |_| {}),
            az_storage("st2", |s| s.allow_blob_public_access = Some(true)),
            az_key_vault("kv1", |_| {}),
            az_sql("sql1", |s| s.public_network_access = Some(PublicNetworkAccess::Disabled)),
            az_sql("sql2", |s| s.firewall_rules = None),
            az_snapshot("snap1", |_| {}),
        ];
        let current = vec![
            // Public network access on, but the firewall still denies by default.
            az_storage("st1", |s| s.public_network_access = Some(PublicNetworkAccess::Enabled)),
            // Already allowed in the baseline.
            az_storage("st2", |s| s.allow_blob_public_access = Some(true)),
            az_key_vault("kv1", |v| v.public_network_access = Some(PublicNetworkAccess::Enabled)),
            // An every-address rule while public network access is disabled.
            az_sql("sql1", |s| {
                s.public_network_access = Some(PublicNetworkAccess::Disabled);
                s.firewall_rules = Some(vec![all_addresses("all")]);
            }),
            // Firewall rules not read in the baseline: nothing is concluded.
            az_sql("sql2", |s| s.firewall_rules = Some(vec![all_addresses("all")])),
            az_snapshot("snap1", |s| {
                s.network_access_policy = Some(NetworkAccessPolicy::AllowPrivate)
            }),
        ];
        assert!(run(&RULE, approved, current, &[]).is_empty());
    }

    #[test]
    fn an_nsg_admitting_new_internet_traffic_fires() {
        let corp = nsg_rule("ssh-corp", 100, "Allow", "Tcp", &["10.0.0.0/8"], &["22"]);
        let web = nsg_rule("web", 200, "Allow", "Tcp", &["Internet"], &["443"]);
        let deny_ssh = nsg_rule("deny-ssh", 100, "Deny", "*", &["*"], &["22"]);
        let allow_all = nsg_rule("allow-all", 300, "Allow", "*", &["Internet"], &["*"]);
        let mut web_wider = web.clone();
        web_wider.destination_port_ranges = vec![NsgPortRange { from: 443, to: 444 }];
        let mut corp_open = corp.clone();
        corp_open.source_address_prefixes = vec!["0.0.0.0/0".into()];
        let approved = vec![
            az_nsg("added", vec![corp.clone()]),
            az_nsg("widened", vec![web.clone()]),
            az_nsg("source-opened", vec![corp.clone()]),
            az_nsg("deny-removed", vec![deny_ssh, allow_all.clone()]),
        ];
        let current = vec![
            az_nsg("added", vec![corp.clone(), web.clone()]),
            az_nsg("widened", vec![web_wider]),
            az_nsg("source-opened", vec![corp_open]),
            az_nsg("deny-removed", vec![allow_all]),
        ];
        let findings = run(&RULE, approved, current, &[]);
        let s = |v: &str| vec![v.to_string()];
        assert_eq!(
            az_ops(&findings),
            [
                ("added", s("add /properties/security_rules/1")),
                ("deny-removed", s("remove /properties/security_rules/0")),
                (
                    "source-opened",
                    s("replace /properties/security_rules/0/source_address_prefixes/0")
                ),
                ("widened", s("replace /properties/security_rules/0/destination_port_ranges/0/to")),
            ]
        );
    }

    #[test]
    fn an_nsg_admitting_nothing_new_from_the_internet_passes() {
        let web = nsg_rule("web", 200, "Allow", "Tcp", &["Internet"], &["80-443"]);
        let mut narrower = nsg_rule("web", 200, "Allow", "Tcp", &["*"], &["443"]);
        narrower.description = Some("https only".into());
        let corp = nsg_rule("ssh-corp", 100, "Allow", "Tcp", &["10.0.0.0/8"], &["22"]);
        let mut corp_moved = corp.clone();
        corp_moved.source_address_prefixes = vec!["10.1.0.0/16".into()];
        let range = nsg_rule("range", 300, "Allow", "Udp", &["*"], &["1000-2000"]);
        let halves = vec![
            nsg_rule("low", 300, "Allow", "Udp", &["Any"], &["1000-1500"]),
            nsg_rule("high", 310, "Allow", "Udp", &["::/0"], &["1501-2000"]),
        ];
        let approved = vec![
            az_nsg("narrowed", vec![web]),
            az_nsg("corp", vec![corp]),
            az_nsg("split", vec![range]),
            // Shadowed by the deny: admits nothing.
            az_nsg("deny-added", vec![nsg_rule("web", 200, "Allow", "Tcp", &["*"], &["443"])]),
        ];
        let current = vec![
            az_nsg("narrowed", vec![narrower]),
            az_nsg("corp", vec![corp_moved]),
            az_nsg("split", halves),
            az_nsg(
                "deny-added",
                vec![
                    nsg_rule("deny", 100, "Deny", "*", &["*"], &["*"]),
                    nsg_rule("web", 200, "Allow", "Tcp", &["*"], &["443-8443"]),
                ],
            ),
        ];
        assert!(run(&RULE, approved, current, &[]).is_empty());
    }
}
