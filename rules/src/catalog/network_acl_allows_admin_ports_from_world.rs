//! `aws.ec2.network_acl_allows_admin_ports_from_world`: a network ACL whose effective inbound
//! rules let `0.0.0.0/0` or `::/0` reach TCP 22 or 3389 (CIS 5.1).

use skywarden_graph::model::NetworkAcl;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{AclPortOpening, Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

/// The remote administration ports CIS 5.1 names.
const ADMIN_PORTS: [u16; 2] = [22, 3389];

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.network_acl_allows_admin_ports_from_world",
        title: "Network ACL allows ingress from the internet to remote administration ports",
        description: "Evaluated as EC2 does: inbound entries in rule-number order, the first \
                      entry whose source is the whole address space (0.0.0.0/0, ::/0) and that \
                      covers TCP 22 or 3389 decides, and no match is the implicit deny. A NACL \
                      counts when it is in effect: associated with at least one subnet, or the \
                      VPC's default NACL (every new subnet gets it). A custom NACL associated with \
                      no subnet filters nothing and is not reported (Prowler reports every NACL).",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2NetworkAcl],
        remediation: "Add inbound deny entries for TCP 22 and 3389 from 0.0.0.0/0 and ::/0 with \
                      lower rule numbers than the allow entries, or narrow the allow entries' \
                      sources: `aws ec2 create-network-acl-entry --network-acl-id <id> --ingress \
                      --rule-number 50 --protocol tcp --port-range From=22,To=22 --cidr-block \
                      0.0.0.0/0 --rule-action deny`.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.1" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<NetworkAcl>()
        .filter(|(_, a)| a.is_default || !a.subnets.is_empty())
        .filter_map(|(r, a)| {
            let open: Vec<AclPortOpening> = ADMIN_PORTS
                .iter()
                .map(|&port| AclPortOpening { port, entries: a.world_ingress_tcp(port).into_iter().cloned().collect() })
                .filter(|o| !o.entries.is_empty())
                .collect();
            (!open.is_empty()).then(|| {
                let evidence =
                    Evidence::NetworkAclWorldAdminIngress { is_default: a.is_default, subnets: a.subnets.clone(), open };
                Finding::new(&RULE.meta, r, "", evidence)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{AclAction, AclEntry, IpProtocol, PortRange};

    use super::*;
    use crate::catalog::testkit::{ec2_id, eval_rule, resource};

    fn entry(n: i32, ports: Option<(i32, i32)>, action: AclAction) -> AclEntry {
        AclEntry {
            rule_number: n,
            egress: false,
            protocol: if ports.is_some() { IpProtocol::Tcp } else { IpProtocol::All },
            action,
            cidr_ipv4: Some("0.0.0.0/0".into()),
            cidr_ipv6: None,
            port_range: ports.map(|(from, to)| PortRange { from, to }),
            icmp: None,
        }
    }

    fn acl(id: &str, is_default: bool, subnets: &[&str], entries: Vec<AclEntry>) -> skywarden_graph::Resource {
        resource(
            ec2_id("network-acl", id),
            NetworkAcl {
                network_acl_id: id.into(),
                vpc: ec2_id("vpc", "vpc-1"),
                is_default,
                entries,
                subnets: subnets.iter().map(|s| ec2_id("subnet", s)).collect(),
            },
        )
    }

    #[test]
    fn fires_on_the_default_acl_and_on_associated_acls_open_to_the_world() {
        let findings = eval_rule(&RULE, vec![
            // AWS's default ACL: allow everything, then the implicit deny.
            acl("acl-default", true, &[], vec![entry(100, None, AclAction::Allow), entry(32767, None, AclAction::Deny)]),
            acl("acl-ssh", false, &["subnet-1"], vec![entry(100, Some((22, 22)), AclAction::Allow)]),
        ]);
        assert_eq!(findings.len(), 2);
        let f = findings.iter().find(|f| f.resource_id.short_id() == "acl-default").unwrap();
        let Evidence::NetworkAclWorldAdminIngress { is_default, open, .. } = &f.evidence else { panic!("{:?}", f.evidence) };
        assert!(is_default);
        assert_eq!(open.iter().map(|o| o.port).collect::<Vec<_>>(), [22, 3389]);
        assert_eq!(open[0].entries[0].rule_number, 100);
        let f = findings.iter().find(|f| f.resource_id.short_id() == "acl-ssh").unwrap();
        let Evidence::NetworkAclWorldAdminIngress { subnets, open, .. } = &f.evidence else { panic!() };
        assert_eq!((subnets[0].short_id(), open.len(), open[0].port), ("subnet-1", 1, 22));
    }

    #[test]
    fn passes_when_denied_first_or_not_in_effect() {
        let findings = eval_rule(&RULE, vec![
            acl("acl-denied", false, &["subnet-1"], vec![
                entry(10, Some((22, 22)), AclAction::Deny),
                entry(20, Some((3389, 3389)), AclAction::Deny),
                entry(100, None, AclAction::Allow),
            ]),
            acl("acl-unused", false, &[], vec![entry(100, None, AclAction::Allow)]),
            acl("acl-web", true, &[], vec![entry(100, Some((443, 443)), AclAction::Allow)]),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
