//! `azure_network_security_group`: a network security group (NSG) with its custom and
//! default security rules, and how its inbound rules treat traffic from the internet.
//!
//! Evaluation follows Azure: inbound rules (custom and default) are processed in priority
//! order, lowest number first, and the first rule that matches the traffic decides; the
//! default rules end with `DenyAllInBound` (65500), so unmatched traffic is denied even when
//! the default rules were not collected. Traffic from the internet is matched by rules
//! whose source is an internet source ([`is_internet_source`]); service tags such as
//! `VirtualNetwork` or `AzureLoadBalancer`, and specific addresses, do not match it.

use serde::{Deserialize, Serialize};

use crate::error::GraphError;
use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};
use crate::model::azure_common::arm_enum;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureNetworkSecurityGroup {
    /// `properties.securityRules`: the rules users wrote (priorities 100-4096).
    pub security_rules: Vec<NsgRule>,
    /// `properties.defaultSecurityRules`: Azure's (AllowVnetInBound 65000,
    /// AllowAzureLoadBalancerInBound 65001, DenyAllInBound 65500 and their outbound twins).
    pub default_security_rules: Vec<NsgRule>,
    /// `properties.subnets[].id`.
    pub subnets: Vec<ResourceId>,
    /// `properties.networkInterfaces[].id`.
    pub network_interfaces: Vec<ResourceId>,
}

/// One security rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NsgRule {
    pub name: String,
    pub priority: i32,
    pub direction: NsgDirection,
    pub access: NsgAccess,
    pub protocol: NsgProtocol,
    /// `sourceAddressPrefix` and `sourceAddressPrefixes`, merged: CIDRs, addresses, service
    /// tags (`Internet`, `VirtualNetwork`, ...) or `*`.
    pub source_address_prefixes: Vec<String>,
    pub source_application_security_groups: Vec<ResourceId>,
    /// `sourcePortRange(s)`, merged.
    pub source_port_ranges: Vec<NsgPortRange>,
    /// `destinationAddressPrefix(es)`, merged.
    pub destination_address_prefixes: Vec<String>,
    pub destination_application_security_groups: Vec<ResourceId>,
    /// `destinationPortRange(s)`, merged; `*` is 0-65535.
    pub destination_port_ranges: Vec<NsgPortRange>,
    pub description: Option<String>,
}

arm_enum! {
    /// `direction` of a security rule.
    NsgDirection {
        Inbound => "Inbound",
        Outbound => "Outbound",
    }
}

arm_enum! {
    /// `access` of a security rule.
    NsgAccess {
        Allow => "Allow",
        Deny => "Deny",
    }
}

arm_enum! {
    /// `protocol` of a security rule; `*` is every protocol.
    NsgProtocol {
        Any => "*",
        Tcp => "Tcp",
        Udp => "Udp",
        Icmp => "Icmp",
        Esp => "Esp",
        Ah => "Ah",
    }
}

impl NsgProtocol {
    /// Whether a rule with this protocol matches traffic of `traffic` (`Tcp`, `Udp`, ...).
    pub fn matches(&self, traffic: &NsgProtocol) -> bool {
        *self == NsgProtocol::Any || self == traffic
    }
}

/// An inclusive port range of a rule: `22`, `8000-8080`, or `*` (0-65535).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NsgPortRange {
    pub from: u16,
    pub to: u16,
}

impl NsgPortRange {
    pub const ANY: NsgPortRange = NsgPortRange { from: 0, to: 65535 };

    /// Parses ARM's spelling: `*`, `22` or `1024-65535`.
    pub fn parse(s: &str) -> Result<Self, GraphError> {
        let bad = || GraphError::invalid("NSG port range", s, "expected *, a port or from-to");
        let t = s.trim();
        if t == "*" {
            return Ok(Self::ANY);
        }
        let (a, b) = t.split_once('-').unwrap_or((t, t));
        let from: u16 = a.trim().parse().map_err(|_| bad())?;
        let to: u16 = b.trim().parse().map_err(|_| bad())?;
        if from > to {
            return Err(bad());
        }
        Ok(NsgPortRange { from, to })
    }

    pub fn covers(&self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }

    pub fn is_any(&self) -> bool {
        *self == Self::ANY
    }
}

impl std::fmt::Display for NsgPortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_any() {
            f.write_str("*")
        } else if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// Sources that mean "anyone on the internet": `*`, `Any`, `Internet` (service tags,
/// case-insensitive), `0.0.0.0/0`, `0.0.0.0` and `::/0`.
pub fn is_internet_source(prefix: &str) -> bool {
    let p = prefix.trim();
    ["*", "any", "internet", "0.0.0.0/0", "0.0.0.0", "::/0"]
        .iter()
        .any(|s| p.eq_ignore_ascii_case(s))
}

/// Destinations that mean "every address the NSG protects".
fn is_any_destination(prefix: &str) -> bool {
    let p = prefix.trim();
    ["*", "any", "0.0.0.0/0", "::/0", "virtualnetwork"]
        .iter()
        .any(|s| p.eq_ignore_ascii_case(s))
}

/// Whether IPv4 `prefix` (`10.0.0.0/24` or `10.0.0.5`) contains `ip`; `None` when either
/// does not parse as IPv4.
fn ipv4_prefix_contains(prefix: &str, ip: &str) -> Option<bool> {
    let (net, len) = match prefix.trim().split_once('/') {
        Some((n, l)) => (n, l.parse::<u32>().ok().filter(|l| *l <= 32)?),
        None => (prefix.trim(), 32),
    };
    let net: std::net::Ipv4Addr = net.parse().ok()?;
    let ip: std::net::Ipv4Addr = ip.trim().parse().ok()?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some(u32::from(net) & mask == u32::from(ip) & mask)
}

/// The interface traffic is addressed to, as NSG rules see it (after the public IP's NAT):
/// its private IP and the application security groups of its IP configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct NsgTarget<'a> {
    /// `None`: unknown; address-prefix destinations are then taken to match.
    pub private_ip: Option<&'a str>,
    pub application_security_groups: &'a [ResourceId],
}

impl NsgRule {
    /// Its internet sources ([`is_internet_source`]), as written.
    pub fn internet_sources(&self) -> Vec<&str> {
        self.source_address_prefixes
            .iter()
            .map(String::as_str)
            .filter(|p| is_internet_source(p))
            .collect()
    }

    pub fn is_inbound(&self) -> bool {
        self.direction == NsgDirection::Inbound
    }

    /// Whether the rule matches inbound internet traffic of `protocol` to `port`, for any
    /// destination the NSG protects (`target` `None`) or for one interface.
    pub fn matches_internet(
        &self,
        protocol: &NsgProtocol,
        port: u16,
        target: Option<&NsgTarget<'_>>,
    ) -> bool {
        self.is_inbound()
            && self.protocol.matches(protocol)
            && self.destination_port_ranges.iter().any(|r| r.covers(port))
            && !self.internet_sources().is_empty()
            && target.is_none_or(|t| self.targets(t))
    }

    /// Whether the rule's destination includes the interface `t`.
    pub fn targets(&self, t: &NsgTarget<'_>) -> bool {
        self.destination_address_prefixes.iter().any(|p| {
            is_any_destination(p)
                || match t.private_ip {
                    Some(ip) => ipv4_prefix_contains(p, ip) == Some(true),
                    None => true,
                }
        }) || self
            .destination_application_security_groups
            .iter()
            .any(|g| t.application_security_groups.contains(g))
    }

    /// Whether this rule's destination covers every destination of `other`.
    pub fn destination_covers(&self, other: &NsgRule) -> bool {
        // NSGs filter traffic to addresses of their virtual networks (after NAT), so
        // `VirtualNetwork` covers as much as `*`.
        let eq = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        if self
            .destination_address_prefixes
            .iter()
            .any(|p| is_any_destination(p))
        {
            return true;
        }
        other.destination_address_prefixes.iter().all(|o| {
            self.destination_address_prefixes
                .iter()
                .any(|s| eq(s, o) || ipv4_covers(s, o))
        }) && other
            .destination_application_security_groups
            .iter()
            .all(|g| self.destination_application_security_groups.contains(g))
    }
}

/// IPv4 prefix `outer` contains every address of prefix `inner`.
fn ipv4_covers(outer: &str, inner: &str) -> bool {
    let len = |p: &str| match p.trim().split_once('/') {
        Some((_, l)) => l.parse::<u32>().ok(),
        None => Some(32),
    };
    let base = |p: &str| p.trim().split('/').next().unwrap_or("").to_string();
    match (len(outer), len(inner)) {
        (Some(lo), Some(li)) if lo <= li => {
            ipv4_prefix_contains(outer, &base(inner)) == Some(true)
        }
        _ => false,
    }
}

impl AzureNetworkSecurityGroup {
    pub fn references(&self) -> Vec<Reference> {
        // Subnets and interfaces are `secured_by` the NSG (as AWS resources are by their
        // security groups); both sides name each other, one edge results.
        self.subnets
            .iter()
            .chain(&self.network_interfaces)
            .map(|r| Reference::incoming(EdgeKind::SecuredBy, r.clone()))
            .collect()
    }

    /// Every inbound rule, custom then default, in evaluation order (priority, then name).
    pub fn inbound_rules(&self) -> Vec<&NsgRule> {
        let mut rules: Vec<&NsgRule> = self
            .security_rules
            .iter()
            .chain(&self.default_security_rules)
            .filter(|r| r.is_inbound())
            .collect();
        rules.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.name.cmp(&b.name)));
        rules
    }

    /// The rule that decides inbound internet traffic of `protocol` to `port` at the
    /// interface `target`: the first matching rule in priority order. `None`: no rule
    /// matches, and Azure's `DenyAllInBound` denies it.
    pub fn internet_decision(
        &self,
        protocol: &NsgProtocol,
        port: u16,
        target: &NsgTarget<'_>,
    ) -> Option<&NsgRule> {
        self.inbound_rules()
            .into_iter()
            .find(|r| r.matches_internet(protocol, port, Some(target)))
    }

    /// Whether inbound internet traffic of `protocol` to `port` reaches `target`.
    pub fn admits_internet(&self, protocol: &NsgProtocol, port: u16, target: &NsgTarget<'_>) -> bool {
        self.internet_decision(protocol, port, target)
            .is_some_and(|r| r.access == NsgAccess::Allow)
    }

    /// The ports of `allow` (an inbound Allow rule) at which internet traffic of `protocol`
    /// is not already decided by a higher-priority (lower number) Deny from the internet
    /// covering the rule's destinations; empty when the rule is fully shadowed or does not
    /// admit internet traffic of `protocol`.
    pub fn unshadowed_internet_ports(&self, allow: &NsgRule, protocol: &NsgProtocol) -> Vec<(u16, u16)> {
        if allow.access != NsgAccess::Allow
            || !allow.is_inbound()
            || !allow.protocol.matches(protocol)
            || allow.internet_sources().is_empty()
        {
            return Vec::new();
        }
        let denies: Vec<&NsgRule> = self
            .inbound_rules()
            .into_iter()
            .filter(|d| {
                d.access == NsgAccess::Deny
                    && d.priority < allow.priority
                    && d.destination_covers(allow)
            })
            .collect();
        let mut bounds: Vec<u32> = Vec::new();
        for r in std::iter::once(&allow).chain(&denies) {
            for p in &r.destination_port_ranges {
                bounds.push(u32::from(p.from));
                bounds.push(u32::from(p.to) + 1);
            }
        }
        bounds.sort_unstable();
        bounds.dedup();
        let mut out: Vec<(u16, u16)> = Vec::new();
        for w in bounds.windows(2) {
            let (Ok(lo), Ok(hi)) = (u16::try_from(w[0]), u16::try_from(w[1] - 1)) else {
                continue;
            };
            let inside = allow.destination_port_ranges.iter().any(|r| r.covers(lo));
            let shadowed = denies
                .iter()
                .any(|d| d.matches_internet(protocol, lo, None));
            if inside && !shadowed {
                match out.last_mut() {
                    Some(last) if u32::from(last.1) + 1 == u32::from(lo) => last.1 = hi,
                    _ => out.push((lo, hi)),
                }
            }
        }
        out
    }

    /// Custom inbound Allow rules that let internet traffic of `protocol` reach `port`
    /// (for some destination) without a higher-priority (lower number) Deny from the
    /// internet covering the same protocol, port and destinations shadowing them.
    pub fn unshadowed_internet_allows(&self, protocol: &NsgProtocol, port: u16) -> Vec<&NsgRule> {
        let inbound = self.inbound_rules();
        self.security_rules
            .iter()
            .filter(|a| a.access == NsgAccess::Allow && a.matches_internet(protocol, port, None))
            .filter(|a| {
                !inbound.iter().any(|d| {
                    d.access == NsgAccess::Deny
                        && d.priority < a.priority
                        && d.matches_internet(protocol, port, None)
                        && d.destination_covers(a)
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testkit::azure::{default_inbound_rules, nsg_rule as rule};

    fn nsg(rules: Vec<NsgRule>) -> AzureNetworkSecurityGroup {
        AzureNetworkSecurityGroup {
            security_rules: rules,
            default_security_rules: default_inbound_rules(),
            subnets: vec![],
            network_interfaces: vec![],
        }
    }

    #[test]
    fn port_ranges_parse() {
        assert_eq!(NsgPortRange::parse("*").unwrap(), NsgPortRange::ANY);
        assert_eq!(NsgPortRange::parse("22").unwrap(), NsgPortRange { from: 22, to: 22 });
        assert_eq!(
            NsgPortRange::parse("1024-65535").unwrap(),
            NsgPortRange { from: 1024, to: 65535 }
        );
        for bad in ["", "-", "22-", "80-20", "70000", "a", "1-2-3"] {
            assert!(NsgPortRange::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(NsgPortRange::parse("8000-8080").unwrap().to_string(), "8000-8080");
    }

    #[test]
    fn internet_sources() {
        for s in ["*", "Internet", "internet", "Any", "0.0.0.0/0", "0.0.0.0", "::/0"] {
            assert!(is_internet_source(s), "{s}");
        }
        for s in ["VirtualNetwork", "AzureLoadBalancer", "10.0.0.0/8", "1.2.3.4/32"] {
            assert!(!is_internet_source(s), "{s}");
        }
    }

    #[test]
    fn priority_order_decides_and_deny_shadows() {
        let tcp = NsgProtocol::Tcp;
        let any = NsgTarget::default();
        // Deny 22 at 100 shadows an allow-all at 200.
        let g = nsg(vec![
            rule("allow-all", 200, "Allow", "*", &["Internet"], &["*"]),
            rule("deny-ssh", 100, "Deny", "Tcp", &["*"], &["22"]),
        ]);
        assert!(!g.admits_internet(&tcp, 22, &any));
        assert!(g.admits_internet(&tcp, 23, &any));
        assert!(g.unshadowed_internet_allows(&tcp, 22).is_empty());
        assert_eq!(g.unshadowed_internet_allows(&tcp, 3389).len(), 1);
        // The same deny at a higher number does not.
        let g = nsg(vec![
            rule("allow-all", 200, "Allow", "*", &["Internet"], &["*"]),
            rule("deny-ssh", 300, "Deny", "Tcp", &["*"], &["22"]),
        ]);
        assert!(g.admits_internet(&tcp, 22, &any));
        assert_eq!(g.unshadowed_internet_allows(&tcp, 22).len(), 1);
        // A UDP deny does not shadow TCP; an allow from 10.0.0.0/8 is not from the internet.
        let g = nsg(vec![
            rule("deny-udp", 100, "Deny", "Udp", &["*"], &["*"]),
            rule("ssh-corp", 150, "Allow", "Tcp", &["10.0.0.0/8"], &["22"]),
            rule("ssh", 200, "Allow", "Tcp", &["0.0.0.0/0"], &["20-25", "80"]),
        ]);
        assert!(g.admits_internet(&tcp, 22, &any));
        assert!(!g.admits_internet(&NsgProtocol::Udp, 22, &any));
        assert_eq!(g.unshadowed_internet_allows(&tcp, 22)[0].name, "ssh");
        // Nothing allows: the default rules deny; no defaults collected: still denied.
        let mut g = nsg(vec![]);
        assert!(!g.admits_internet(&tcp, 22, &any));
        g.default_security_rules.clear();
        assert!(!g.admits_internet(&tcp, 22, &any));
    }

    #[test]
    fn unshadowed_ports_of_an_allow() {
        let udp = NsgProtocol::Udp;
        let allow = rule("udp", 300, "Allow", "Udp", &["*"], &["50-60", "100"]);
        let g = nsg(vec![
            allow.clone(),
            rule("deny", 100, "Deny", "*", &["Internet"], &["55-100"]),
        ]);
        assert_eq!(g.unshadowed_internet_ports(&allow, &udp), vec![(50, 54)]);
        let g = nsg(vec![
            allow.clone(),
            rule("deny", 100, "Deny", "Udp", &["*"], &["*"]),
        ]);
        assert!(g.unshadowed_internet_ports(&allow, &udp).is_empty());
        // A TCP deny or a later deny leaves it whole; TCP traffic is not this rule's.
        let g = nsg(vec![
            allow.clone(),
            rule("deny-tcp", 100, "Deny", "Tcp", &["*"], &["*"]),
            rule("deny-late", 400, "Deny", "*", &["*"], &["*"]),
        ]);
        assert_eq!(g.unshadowed_internet_ports(&allow, &udp), vec![(50, 60), (100, 100)]);
        assert!(g.unshadowed_internet_ports(&allow, &NsgProtocol::Tcp).is_empty());
    }

    #[test]
    fn destinations_narrow_rules() {
        let tcp = NsgProtocol::Tcp;
        let mut to_web = rule("ssh-web", 200, "Allow", "Tcp", &["*"], &["22"]);
        to_web.destination_address_prefixes = vec!["10.0.1.0/24".into()];
        let g = nsg(vec![to_web.clone()]);
        let web = NsgTarget { private_ip: Some("10.0.1.4"), application_security_groups: &[] };
        let db = NsgTarget { private_ip: Some("10.0.2.4"), application_security_groups: &[] };
        assert!(g.admits_internet(&tcp, 22, &web));
        assert!(!g.admits_internet(&tcp, 22, &db));
        // A deny on another host does not shadow it; one on the whole network does.
        let mut deny_db = rule("deny-db", 100, "Deny", "Tcp", &["*"], &["22"]);
        deny_db.destination_address_prefixes = vec!["10.0.2.0/24".into()];
        let g = nsg(vec![to_web.clone(), deny_db]);
        assert_eq!(g.unshadowed_internet_allows(&tcp, 22).len(), 1);
        let mut deny_net = rule("deny-net", 100, "Deny", "Tcp", &["*"], &["22"]);
        deny_net.destination_address_prefixes = vec!["10.0.0.0/16".into()];
        let g = nsg(vec![to_web, deny_net]);
        assert!(g.unshadowed_internet_allows(&tcp, 22).is_empty());
        // Application security groups.
        let asg: ResourceId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/web"
            .parse()
            .unwrap();
        let mut to_asg = rule("ssh-asg", 200, "Allow", "Tcp", &["*"], &["22"]);
        to_asg.destination_address_prefixes = vec![];
        to_asg.destination_application_security_groups = vec![asg.clone()];
        let g = nsg(vec![to_asg]);
        let member = NsgTarget { private_ip: Some("10.0.1.4"), application_security_groups: std::slice::from_ref(&asg) };
        assert!(g.admits_internet(&tcp, 22, &member));
        assert!(!g.admits_internet(&tcp, 22, &web));
    }
}
