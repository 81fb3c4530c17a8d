//! `aws_ec2_network_acl`: a network ACL, its numbered entries and its subnet associations.
//!
//! [`NetworkAcl::world_ingress_tcp`] answers "does this ACL let TCP port P in from anywhere
//! (`0.0.0.0/0` or `::/0`)" the way EC2 evaluates it: inbound entries in rule-number order,
//! the first one that matches the packet decides, and nothing matched means deny (the `*`
//! entry, rule number 32767, which EC2 also lists).

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};
use crate::model::aws_ec2_security_group::{IpProtocol, WORLD_IPV4, WORLD_IPV6};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkAcl {
    pub network_acl_id: String,
    pub vpc: ResourceId,
    /// The VPC's default ACL: used by every subnet without another association.
    pub is_default: bool,
    pub entries: Vec<AclEntry>,
    /// Subnets associated with this ACL.
    pub subnets: Vec<ResourceId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclEntry {
    pub rule_number: i32,
    pub egress: bool,
    pub protocol: IpProtocol,
    pub action: AclAction,
    pub cidr_ipv4: Option<String>,
    pub cidr_ipv6: Option<String>,
    /// For tcp/udp; absent means every port.
    pub port_range: Option<PortRange>,
    /// For icmp/icmpv6.
    pub icmp: Option<IcmpTypeCode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRange {
    pub from: i32,
    pub to: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcmpTypeCode {
    #[serde(rename = "type")]
    pub icmp_type: i32,
    pub code: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AclAction {
    Allow,
    Deny,
}

/// Address family of a world source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpFamily {
    Ipv4,
    Ipv6,
}

impl IpFamily {
    pub fn world(self) -> &'static str {
        match self {
            IpFamily::Ipv4 => WORLD_IPV4,
            IpFamily::Ipv6 => WORLD_IPV6,
        }
    }
}

impl AclEntry {
    /// Whether this entry matches TCP traffic to `port`.
    pub fn covers_tcp_port(&self, port: u16) -> bool {
        let port = i32::from(port);
        match self.protocol {
            IpProtocol::All => true,
            IpProtocol::Tcp => self.port_range.is_none_or(|r| r.from <= port && port <= r.to),
            _ => false,
        }
    }

    /// Whether the entry's source is the whole address space of `family`.
    pub fn is_world(&self, family: IpFamily) -> bool {
        match family {
            IpFamily::Ipv4 => self.cidr_ipv4.as_deref() == Some(WORLD_IPV4),
            IpFamily::Ipv6 => self.cidr_ipv6.as_deref() == Some(WORLD_IPV6),
        }
    }
}

impl NetworkAcl {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference::incoming(EdgeKind::Contains, self.vpc.clone())];
        refs.extend(self.subnets.iter().map(|s| Reference::outgoing(EdgeKind::AssociatedWith, s.clone())));
        refs
    }

    /// Inbound entries in evaluation order (ascending rule number).
    pub fn ingress_in_order(&self) -> Vec<&AclEntry> {
        let mut v: Vec<&AclEntry> = self.entries.iter().filter(|e| !e.egress).collect();
        v.sort_by_key(|e| e.rule_number);
        v
    }

    /// The entry that lets TCP `port` in from anywhere in `family`, if the ACL does.
    ///
    /// Traffic "from the world" is traffic from an arbitrary internet address, so only
    /// entries whose source is the whole address space (`0.0.0.0/0`, `::/0`) decide it: a
    /// narrower deny ahead of a world allow still leaves almost every address allowed, and a
    /// narrower allow ahead of a world deny opens only that range. The first world entry
    /// (by rule number) that covers the port wins; none means the implicit final deny.
    pub fn world_ingress_tcp_in(&self, port: u16, family: IpFamily) -> Option<&AclEntry> {
        self.ingress_in_order()
            .into_iter()
            .find(|e| e.is_world(family) && e.covers_tcp_port(port))
            .filter(|e| e.action == AclAction::Allow)
    }

    /// The allowing entries (IPv4 first, then IPv6) through which TCP `port` is open to the
    /// world; empty when the ACL blocks it for both families.
    pub fn world_ingress_tcp(&self, port: u16) -> Vec<&AclEntry> {
        [IpFamily::Ipv4, IpFamily::Ipv6]
            .into_iter()
            .filter_map(|f| self.world_ingress_tcp_in(port, f))
            .collect()
    }

    pub fn allows_world_ingress_tcp(&self, port: u16) -> bool {
        !self.world_ingress_tcp(port).is_empty()
    }

    /// The port ranges (inclusive, merged, ascending) on which `protocol` (TCP or UDP)
    /// traffic from anywhere in `family` (inbound) or to anywhere in `family` (outbound,
    /// `egress`) passes this ACL. Entries are evaluated in rule-number order, the first entry
    /// matching a port decides it, and ports no entry matches are denied. Only entries whose
    /// CIDR is the whole address space decide, as in [`Self::world_ingress_tcp_in`].
    pub fn world_port_ranges(
        &self,
        egress: bool,
        protocol: &IpProtocol,
        family: IpFamily,
    ) -> Vec<(u16, u16)> {
        let clamp = |p: i32| p.clamp(0, 65535) as u16;
        let mut entries: Vec<&AclEntry> = self
            .entries
            .iter()
            .filter(|e| e.egress == egress && e.is_world(family))
            .collect();
        entries.sort_by_key(|e| e.rule_number);
        let mut undecided: Vec<(u16, u16)> = vec![(0, 65535)];
        let mut allowed: Vec<(u16, u16)> = Vec::new();
        for e in entries {
            let (lo, hi) = match (&e.protocol, e.port_range) {
                (IpProtocol::All, _) => (0, 65535),
                (p, Some(r)) if p == protocol => (clamp(r.from), clamp(r.to)),
                (p, None) if p == protocol => (0, 65535),
                _ => continue,
            };
            if lo > hi {
                continue;
            }
            let mut rest = Vec::with_capacity(undecided.len() + 1);
            for (a, b) in undecided {
                let (from, to) = (a.max(lo), b.min(hi));
                if from > to {
                    rest.push((a, b));
                    continue;
                }
                if e.action == AclAction::Allow {
                    allowed.push((from, to));
                }
                if a < from {
                    rest.push((a, from - 1));
                }
                if to < b {
                    rest.push((to + 1, b));
                }
            }
            undecided = rest;
            if undecided.is_empty() {
                break;
            }
        }
        merge_ranges(allowed)
    }

    /// Whether traffic of a protocol without ports (ICMP, GRE, ...) passes from (or to, with
    /// `egress`) anywhere in `family`: the first world entry of that protocol or of all
    /// protocols decides; none means deny.
    pub fn world_allows_protocol(&self, egress: bool, protocol: &IpProtocol, family: IpFamily) -> bool {
        let mut entries: Vec<&AclEntry> = self
            .entries
            .iter()
            .filter(|e| e.egress == egress && e.is_world(family))
            .filter(|e| e.protocol == IpProtocol::All || &e.protocol == protocol)
            .collect();
        entries.sort_by_key(|e| e.rule_number);
        entries.first().is_some_and(|e| e.action == AclAction::Allow)
    }
}

/// Sorts inclusive ranges and merges overlapping or adjacent ones.
pub fn merge_ranges(mut ranges: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    ranges.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if u32::from(a) <= u32::from(last.1) + 1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: i32, protocol: &str, ports: Option<(i32, i32)>, action: AclAction, v4: Option<&str>) -> AclEntry {
        AclEntry {
            rule_number: n,
            egress: false,
            protocol: IpProtocol::parse(protocol),
            action,
            cidr_ipv4: v4.map(str::to_string),
            cidr_ipv6: None,
            port_range: ports.map(|(from, to)| PortRange { from, to }),
            icmp: None,
        }
    }

    fn acl(entries: Vec<AclEntry>) -> NetworkAcl {
        NetworkAcl {
            network_acl_id: "acl-1".into(),
            vpc: crate::testkit::ec2_id("vpc", "vpc-1"),
            is_default: false,
            entries,
            subnets: vec![],
        }
    }

    use AclAction::{Allow, Deny};
    const W: Option<&str> = Some("0.0.0.0/0");

    #[test]
    fn default_acl_allows_everything() {
        let a = acl(vec![entry(100, "-1", None, Allow, W), entry(32767, "-1", None, Deny, W)]);
        assert!(a.allows_world_ingress_tcp(22));
        assert!(a.allows_world_ingress_tcp(3389));
        assert_eq!(a.world_ingress_tcp(22)[0].rule_number, 100);
    }

    #[test]
    fn first_match_by_rule_number_wins_whatever_the_listing_order() {
        // Listed allow-first, but deny 50 comes first in evaluation.
        let a = acl(vec![entry(100, "6", Some((0, 65535)), Allow, W), entry(50, "6", Some((22, 22)), Deny, W)]);
        assert!(!a.allows_world_ingress_tcp(22));
        assert!(a.allows_world_ingress_tcp(3389));
        // Deny after allow does not help.
        let b = acl(vec![entry(100, "6", Some((22, 22)), Allow, W), entry(200, "-1", None, Deny, W)]);
        assert!(b.allows_world_ingress_tcp(22));
    }

    #[test]
    fn implicit_deny_narrow_sources_other_protocols_and_egress() {
        assert!(!acl(vec![]).allows_world_ingress_tcp(22), "nothing matches: implicit deny");
        let narrow = acl(vec![entry(100, "6", Some((22, 22)), Allow, Some("10.0.0.0/8"))]);
        assert!(!narrow.allows_world_ingress_tcp(22));
        // A narrow deny ahead of a world allow leaves the world allowed.
        let holes = acl(vec![entry(10, "6", Some((22, 22)), Deny, Some("203.0.113.0/24")), entry(20, "6", Some((22, 22)), Allow, W)]);
        assert!(holes.allows_world_ingress_tcp(22));
        let udp = acl(vec![entry(100, "17", Some((0, 65535)), Allow, W)]);
        assert!(!udp.allows_world_ingress_tcp(22));
        let mut out = entry(100, "-1", None, Allow, W);
        out.egress = true;
        assert!(!acl(vec![out]).allows_world_ingress_tcp(22));
    }

    #[test]
    fn ipv6_is_evaluated_on_its_own() {
        let mut v6 = entry(100, "6", Some((3389, 3389)), Allow, None);
        v6.cidr_ipv6 = Some("::/0".into());
        let a = acl(vec![entry(50, "-1", None, Deny, W), v6]);
        let open = a.world_ingress_tcp(3389);
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].cidr_ipv6.as_deref(), Some("::/0"));
        assert!(a.world_ingress_tcp_in(3389, IpFamily::Ipv4).is_none());
    }

    #[test]
    fn port_ranges_follow_rule_order_and_the_implicit_deny() {
        let tcp = IpProtocol::Tcp;
        let v4 = IpFamily::Ipv4;
        // 22 denied first, then all TCP allowed: everything but 22.
        let a = acl(vec![entry(100, "6", Some((0, 65535)), Allow, W), entry(50, "6", Some((22, 22)), Deny, W)]);
        assert_eq!(a.world_port_ranges(false, &tcp, v4), vec![(0, 21), (23, 65535)]);
        // Only 80 and 443 (adjacent allows merge), nothing for UDP, nothing outbound.
        let b = acl(vec![
            entry(100, "6", Some((80, 80)), Allow, W),
            entry(110, "6", Some((443, 443)), Allow, W),
            entry(120, "6", Some((444, 450)), Allow, W),
        ]);
        assert_eq!(b.world_port_ranges(false, &tcp, v4), vec![(80, 80), (443, 450)]);
        assert!(b.world_port_ranges(false, &IpProtocol::Udp, v4).is_empty());
        assert!(b.world_port_ranges(true, &tcp, v4).is_empty());
        // An all-protocols allow covers TCP and UDP; a later deny changes nothing.
        let c = acl(vec![entry(100, "-1", None, Allow, W), entry(200, "6", Some((22, 22)), Deny, W)]);
        assert_eq!(c.world_port_ranges(false, &IpProtocol::Udp, v4), vec![(0, 65535)]);
        assert_eq!(c.world_port_ranges(false, &tcp, v4), vec![(0, 65535)]);
        assert!(c.world_allows_protocol(false, &IpProtocol::Icmp, v4));
        assert!(!c.world_allows_protocol(false, &IpProtocol::Icmp, IpFamily::Ipv6));
        // Narrow sources never decide world traffic.
        let d = acl(vec![entry(10, "-1", None, Allow, Some("10.0.0.0/8"))]);
        assert!(d.world_port_ranges(false, &tcp, v4).is_empty());
        assert_eq!(merge_ranges(vec![(5, 9), (0, 4), (20, 30), (25, 26)]), vec![(0, 9), (20, 30)]);
    }
}
