//! `aws.ec2.instance_exposed_admin_port`: a running instance reachable from the internet on
//! SSH (TCP 22) or RDP (TCP 3389), with the network path that makes it so.

use skywarden_graph::ResourceKind;

use super::admin_port_ingress;
use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.instance_exposed_admin_port",
        title: "EC2 instance exposes SSH or RDP to the internet",
        description: "A running instance with a public IP sits in a subnet whose effective route \
                      table (its explicit association, else the VPC's main table) sends 0.0.0.0/0 \
                      to an internet gateway, and one of its security groups allows TCP 22 or \
                      3389 from 0.0.0.0/0. Unlike the security-group rules, this one follows the \
                      whole path, so it only reports hosts that are actually reachable; the \
                      evidence lists the path gateway -> route table -> subnet -> security group \
                      -> instance. The path is IPv4: a permission open only to ::/0 does not \
                      admit traffic along it, and IPv6 exposure is not evaluated.",
        severity: Severity::Critical,
        category: Category::Security,
        // Every kind the exposure fact reads. The VPC is among them: a subnet without an
        // explicit association finds its main route table through the VPC node, so an
        // uncollected VPC hides exposure (see the test `main_table_path_needs_the_vpc`).
        kinds: &[
            ResourceKind::AwsEc2Instance,
            ResourceKind::AwsEc2Subnet,
            ResourceKind::AwsEc2RouteTable,
            ResourceKind::AwsEc2InternetGateway,
            ResourceKind::AwsEc2SecurityGroup,
            ResourceKind::AwsEc2Vpc,
        ],
        remediation: "Remove the world-open SSH/RDP permission from the security group in the \
                      path (allow only known administrative networks), or take the instance out \
                      of the public path: no public IP, a private subnet, access through AWS \
                      Systems Manager Session Manager or a bastion.",
        frameworks: &[
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.2" },
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.3" },
        ],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.exposures
        .iter()
        .filter_map(|(id, exposure)| {
            let resource = cx.inventory.get(id)?;
            if resource.kind() != ResourceKind::AwsEc2Instance {
                return None;
            }
            // The exposure path is IPv4 (a public IPv4 address, a 0.0.0.0/0 route), so only
            // 0.0.0.0/0 sources admit traffic along it; a ::/0 permission does not.
            let (open_ingress, ports) = admin_port_ingress(exposure)?;
            let via = open_ingress.iter().map(|o| &o.via).min()?;
            let path = exposure.path_via(via, ResourceKind::AwsEc2SecurityGroup, ResourceKind::AwsEc2Instance);
            let evidence = Evidence::ExposurePath { public_ip: exposure.public_ip.clone(), ports, path, open_ingress };
            Some(Finding::new(&RULE.meta, resource, "", evidence))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{InstanceState, Route, RouteState, RouteTarget};
    use skywarden_graph::{Properties, Resource};

    use skywarden_graph::topology::OpenIngress;

    use super::*;
    use crate::catalog::testkit::{ec2_id, eval_rule, network, placed_instance, sg, sg_perm};

    fn ssh_world() -> Resource {
        sg("sg-ssh", vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])])
    }

    fn estate(public_assoc: bool, extra: Vec<Resource>) -> Vec<Resource> {
        let mut rs = network(public_assoc);
        rs.extend(extra);
        rs
    }

    fn exposure(f: &Finding) -> (&str, &[u16], Vec<&str>, &[OpenIngress]) {
        let Evidence::ExposurePath { public_ip, ports, path, open_ingress } = &f.evidence else {
            panic!("unexpected evidence {:?}", f.evidence)
        };
        (public_ip, ports, path.iter().map(|h| h.id.short_id()).collect(), open_ingress)
    }

    #[test]
    fn fires_for_public_subnet_with_world_open_ssh() {
        let findings = eval_rule(&RULE, estate(true, vec![ssh_world(), placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |_| {})]));
        assert_eq!(findings.len(), 1, "{findings:?}");
        let f = &findings[0];
        assert_eq!(f.resource_id.short_id(), "i-pub");
        assert_eq!((f.severity, f.resource_kind), (Severity::Critical, ResourceKind::AwsEc2Instance));
        let (ip, ports, path, open) = exposure(f);
        assert_eq!(ip, "198.51.100.7");
        assert_eq!(ports, [22]);
        assert_eq!(path, ["igw-1", "rtb-pub", "subnet-pub", "sg-ssh", "i-pub"]);
        let kinds: Vec<ResourceKind> = match &f.evidence {
            Evidence::ExposurePath { path, .. } => path.iter().map(|h| h.kind).collect(),
            _ => vec![],
        };
        assert_eq!(kinds, [
            ResourceKind::AwsEc2InternetGateway,
            ResourceKind::AwsEc2RouteTable,
            ResourceKind::AwsEc2Subnet,
            ResourceKind::AwsEc2SecurityGroup,
            ResourceKind::AwsEc2Instance,
        ]);
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].via.short_id(), open[0].from_port, open[0].source.as_str()), ("sg-ssh", Some(22), "0.0.0.0/0"));
    }

    #[test]
    fn one_finding_with_both_ports_only_admin_ingress_and_first_group_in_path() {
        let findings = eval_rule(&RULE, estate(true, vec![
            sg("sg-b-rdp", vec![sg_perm("-1", None, None, &["0.0.0.0/0"], &["::/0"])]),
            sg("sg-c-ssh", vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])]),
            sg("sg-a-web", vec![sg_perm("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[])]),
            placed_instance("i-pub", "subnet-pub", &["sg-c-ssh", "sg-a-web", "sg-b-rdp"], |_| {}),
        ]));
        assert_eq!(findings.len(), 1, "{findings:?}");
        let (_, ports, path, open) = exposure(&findings[0]);
        assert_eq!(ports, [22, 3389]);
        // sg-a-web is first by id but opens no admin port.
        assert_eq!(path, ["igw-1", "rtb-pub", "subnet-pub", "sg-b-rdp", "i-pub"]);
        // The ::/0 entry of sg-b-rdp does not travel the IPv4 path; 443 is no admin port.
        let mut via: Vec<(&str, &str)> = open.iter().map(|o| (o.via.short_id(), o.source.as_str())).collect();
        via.sort_unstable();
        assert_eq!(via, [("sg-b-rdp", "0.0.0.0/0"), ("sg-c-ssh", "0.0.0.0/0")]);
    }

    #[test]
    fn passes_when_ssh_is_open_to_ipv6_only() {
        let v6 = sg("sg-v6", vec![sg_perm("tcp", Some(22), Some(22), &[], &["::/0"])]);
        let findings = eval_rule(&RULE, estate(true, vec![v6, placed_instance("i-pub", "subnet-pub", &["sg-v6"], |_| {})]));
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn passes_when_stopped() {
        let stopped = placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |i| i.state = InstanceState::Stopped);
        assert!(eval_rule(&RULE, estate(true, vec![ssh_world(), stopped])).is_empty());
    }

    #[test]
    fn passes_without_public_ip() {
        let private = placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |i| i.public_ip = None);
        assert!(eval_rule(&RULE, estate(true, vec![ssh_world(), private])).is_empty());
    }

    #[test]
    fn passes_when_subnet_falls_back_to_main_table_without_igw_route() {
        // No explicit association: subnet-pub uses rtb-main, which has no default route.
        let findings = eval_rule(&RULE, estate(false, vec![ssh_world(), placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |_| {})]));
        assert!(findings.is_empty(), "{findings:?}");
        // Likewise an instance in the private subnet of an otherwise public estate.
        let findings = eval_rule(&RULE, estate(true, vec![ssh_world(), placed_instance("i-priv", "subnet-priv", &["sg-ssh"], |_| {})]));
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn main_table_path_needs_the_vpc() {
        // The main table itself routes 0.0.0.0/0 to the gateway; no explicit association.
        let mut rs = estate(false, vec![ssh_world(), placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |_| {})]);
        for r in &mut rs {
            if let Properties::AwsEc2RouteTable(rt) = &mut r.properties {
                if rt.main {
                    rt.routes.push(Route {
                        destination_cidr: Some("0.0.0.0/0".into()),
                        destination_ipv6_cidr: None,
                        destination_prefix_list: None,
                        target: RouteTarget::InternetGateway(ec2_id("internet-gateway", "igw-1")),
                        state: RouteState::Active,
                    });
                }
            }
        }
        let findings = eval_rule(&RULE, rs.clone());
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(exposure(&findings[0]).2, ["igw-1", "rtb-main", "subnet-pub", "sg-ssh", "i-pub"]);
        // Without the VPC in the inventory the main table cannot be found: hence AwsEc2Vpc in kinds.
        rs.retain(|r| r.kind() != ResourceKind::AwsEc2Vpc);
        assert!(eval_rule(&RULE, rs).is_empty());
        assert!(RULE.meta.kinds.contains(&ResourceKind::AwsEc2Vpc));
    }

    #[test]
    fn passes_when_only_https_is_open() {
        let web = sg("sg-web", vec![sg_perm("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[])]);
        let findings = eval_rule(&RULE, estate(true, vec![web, placed_instance("i-pub", "subnet-pub", &["sg-web"], |_| {})]));
        assert!(findings.is_empty(), "{findings:?}");
    }
}
