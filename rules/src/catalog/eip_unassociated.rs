//! `aws.ec2.eip_unassociated`: an Elastic IP associated with nothing, billed as an idle public
//! IPv4 address every hour.

use skywarden_graph::model::ElasticIp;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.eip_unassociated",
        title: "Elastic IP address is not associated with anything",
        description: "The address has no association (no instance, no network interface, no \
                      NAT gateway). Since February 2024 AWS bills every public IPv4 address by \
                      the hour, in use or not; an unassociated one buys nothing. The finding \
                      carries the monthly estimate from the price table.",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[ResourceKind::AwsEc2ElasticIp],
        remediation: "Associate the address with the resource that needs it, or release it: \
                      `aws ec2 release-address --allocation-id <id>` (a released address cannot \
                      be guaranteed back).",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<ElasticIp>()
        .filter(|(_, e)| !e.is_associated())
        .map(|(r, e)| {
            let finding = Finding::new(
                &RULE.meta,
                r,
                "",
                Evidence::UnassociatedAddress {
                    public_ip: e.public_ip.clone(),
                    allocation_id: e.allocation_id.clone(),
                },
            );
            match cx.pricing.eip_idle_monthly(&r.region) {
                Some((usd, basis)) => finding.with_cost(usd, basis),
                None => finding,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::AddressDomain;

    use super::*;
    use crate::catalog::testkit::{ec2_id, eval_rule, resource};

    fn eip(id: &str, association: Option<&str>) -> skywarden_graph::Resource {
        resource(
            ec2_id("elastic-ip", id),
            ElasticIp {
                allocation_id: id.into(),
                public_ip: "198.51.100.7".into(),
                association_id: association.map(str::to_string),
                instance: association.map(|_| ec2_id("instance", "i-1")),
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
    fn fires_on_unassociated_addresses_with_cost() {
        let findings = eval_rule(&RULE, vec![eip("eipalloc-idle", None)]);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.category, Category::Cost);
        assert!(f.monthly_cost_usd.is_some_and(|c| c > 3.0 && c < 4.0), "{:?}", f.monthly_cost_usd);
        let Evidence::UnassociatedAddress { allocation_id, .. } = &f.evidence else {
            panic!("{:?}", f.evidence)
        };
        assert_eq!(allocation_id, "eipalloc-idle");
    }

    #[test]
    fn passes_on_associated_addresses() {
        let findings = eval_rule(&RULE, vec![eip("eipalloc-used", Some("eipassoc-1"))]);
        assert!(findings.is_empty());
    }
}
