//! `aws_ec2_security_group`: a security group with its ingress and egress permissions.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub group_id: String,
    pub group_name: String,
    pub description: Option<String>,
    pub vpc: Option<ResourceId>,
    pub ingress: Vec<Permission>,
    pub egress: Vec<Permission>,
}

/// One IP permission (an `IpPermissions` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    pub protocol: IpProtocol,
    /// For tcp/udp the first port; for icmp the type; absent for protocol -1.
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub ipv4_ranges: Vec<String>,
    pub ipv6_ranges: Vec<String>,
    pub prefix_lists: Vec<String>,
    pub referenced_groups: Vec<String>,
}

/// IP protocol of a permission. `-1` is every protocol and every port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "name", content = "number")]
pub enum IpProtocol {
    All,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Other(String),
}

impl IpProtocol {
    /// Parses EC2's `IpProtocol` (a name or an IANA number, `-1` for all).
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "-1" | "all" => IpProtocol::All,
            "tcp" | "6" => IpProtocol::Tcp,
            "udp" | "17" => IpProtocol::Udp,
            "icmp" | "1" => IpProtocol::Icmp,
            "icmpv6" | "58" => IpProtocol::Icmpv6,
            other => IpProtocol::Other(other.to_string()),
        }
    }
}

/// The sources that mean "anyone on the internet".
pub const WORLD_IPV4: &str = "0.0.0.0/0";
pub const WORLD_IPV6: &str = "::/0";

impl Permission {
    /// Whether this permission lets TCP traffic to `port` through.
    pub fn covers_tcp_port(&self, port: u16) -> bool {
        let port = i32::from(port);
        match self.protocol {
            IpProtocol::All => true,
            IpProtocol::Tcp => match (self.from_port, self.to_port) {
                (Some(from), Some(to)) => from <= port && port <= to,
                // EC2 always returns ports for tcp; a missing range would mean all ports.
                _ => true,
            },
            _ => false,
        }
    }

    /// The world-open sources (`0.0.0.0/0`, `::/0`) of this permission.
    pub fn world_sources(&self) -> Vec<&str> {
        self.ipv4_ranges
            .iter()
            .chain(&self.ipv6_ranges)
            .map(String::as_str)
            .filter(|c| *c == WORLD_IPV4 || *c == WORLD_IPV6)
            .collect()
    }

    pub fn is_world_open(&self) -> bool {
        !self.world_sources().is_empty()
    }
}

impl SecurityGroup {
    pub fn references(&self) -> Vec<Reference> {
        self.vpc
            .iter()
            .map(|v| Reference::incoming(EdgeKind::Contains, v.clone()))
            .collect()
    }

    /// Ingress permissions open to the world on TCP `port`.
    pub fn world_open_ingress(&self, port: u16) -> impl Iterator<Item = &Permission> {
        self.ingress.iter().filter(move |p| p.is_world_open() && p.covers_tcp_port(port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::sg_perm as perm;

    #[test]
    fn port_coverage() {
        assert!(perm("tcp", Some(22), Some(22), &[WORLD_IPV4], &[]).covers_tcp_port(22));
        assert!(perm("tcp", Some(0), Some(65535), &[], &[]).covers_tcp_port(3389));
        assert!(perm("-1", None, None, &[], &[]).covers_tcp_port(22));
        assert!(!perm("udp", Some(22), Some(22), &[], &[]).covers_tcp_port(22));
        assert!(!perm("tcp", Some(80), Some(443), &[], &[]).covers_tcp_port(22));
        assert!(!perm("icmp", Some(-1), Some(-1), &[], &[]).covers_tcp_port(22));
    }

    #[test]
    fn world_sources() {
        assert!(perm("tcp", Some(22), Some(22), &[], &[WORLD_IPV6]).is_world_open());
        assert!(!perm("tcp", Some(22), Some(22), &["10.0.0.0/8"], &["2001:db8::/32"]).is_world_open());
        assert_eq!(IpProtocol::parse("6"), IpProtocol::Tcp);
        assert_eq!(IpProtocol::parse("50"), IpProtocol::Other("50".into()));
    }
}
