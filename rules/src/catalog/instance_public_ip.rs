//! `aws.ec2.instance_public_ip`: a running instance with a public IPv4 address.

use skywarden_graph::model::{ElasticIp, Instance, InstanceState};
use skywarden_graph::{Direction, EdgeKind, ResourceKind};

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.instance_public_ip",
        title: "Running EC2 instance has a public IPv4 address",
        description: "The instance is `running` and has a public IPv4 address, auto-assigned at \
                      launch (a subnet with MapPublicIpOnLaunch, or AssociatePublicIpAddress) or an \
                      associated Elastic IP. Whether it is reachable depends on routes and \
                      security groups (see `aws.ec2.instance_exposed_admin_port`); the address \
                      itself is billed hourly and makes the instance addressable from anywhere. \
                      Stopped instances are not reported: AWS releases an auto-assigned address \
                      on stop.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2Instance, ResourceKind::AwsEc2ElasticIp],
        remediation: "Launch workloads in private subnets behind a load balancer, NAT gateway or \
                      VPC endpoints; turn off auto-assignment (`aws ec2 modify-subnet-attribute \
                      --subnet-id <id> --no-map-public-ip-on-launch`) and disassociate Elastic IPs \
                      that are not needed.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Instance>()
        .filter(|(_, i)| i.state == InstanceState::Running)
        .filter_map(|(r, i)| {
            let public_ip = i.public_ip.clone().filter(|ip| !ip.is_empty())?;
            let elastic_ip = cx
                .inventory
                .neighbors_of::<ElasticIp>(&r.id, EdgeKind::AttachedTo, Direction::Incoming)
                .into_iter()
                .find(|(_, e)| e.public_ip == public_ip)
                .map(|(_, e)| e.allocation_id.clone());
            let evidence = Evidence::PublicInstanceIp { public_ip, state: i.state, subnet: i.subnet.clone(), elastic_ip };
            Some(Finding::new(&RULE.meta, r, "", evidence))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::AddressDomain;

    use super::*;
    use crate::catalog::testkit::{ec2_id, eval_rule, instance, resource};

    fn eip(instance_id: &str, ip: &str) -> skywarden_graph::Resource {
        resource(
            ec2_id("elastic-ip", "eipalloc-1"),
            ElasticIp {
                allocation_id: "eipalloc-1".into(),
                public_ip: ip.into(),
                association_id: Some("eipassoc-1".into()),
                instance: Some(ec2_id("instance", instance_id)),
                network_interface: None,
                network_interface_owner_id: None,
                private_ip: None,
                domain: AddressDomain::Vpc,
                network_border_group: None,
                public_ipv4_pool: None,
            },
        )
    }

    #[test]
    fn fires_on_running_instances_with_auto_assigned_or_elastic_addresses() {
        let findings = eval_rule(&RULE, vec![
            instance("i-auto", |i| i.public_ip = Some("198.51.100.7".into())),
            instance("i-eip", |i| i.public_ip = Some("203.0.113.9".into())),
            eip("i-eip", "203.0.113.9"),
        ]);
        assert_eq!(findings.len(), 2);
        let by_id = |id: &str| findings.iter().find(|f| f.resource_id.short_id() == id).unwrap();
        let Evidence::PublicInstanceIp { public_ip, state, elastic_ip, .. } = &by_id("i-eip").evidence else {
            panic!("{:?}", by_id("i-eip").evidence)
        };
        assert_eq!((public_ip.as_str(), *state, elastic_ip.as_deref()), ("203.0.113.9", InstanceState::Running, Some("eipalloc-1")));
        let Evidence::PublicInstanceIp { elastic_ip, .. } = &by_id("i-auto").evidence else { panic!() };
        assert!(elastic_ip.is_none());
    }

    #[test]
    fn passes_on_private_and_stopped_instances() {
        let findings = eval_rule(&RULE, vec![
            instance("i-private", |_| {}),
            instance("i-stopped", |i| {
                i.state = InstanceState::Stopped;
                i.public_ip = Some("203.0.113.9".into());
            }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
