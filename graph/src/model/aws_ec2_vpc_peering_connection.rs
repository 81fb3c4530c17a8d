//! `aws_ec2_vpc_peering_connection`: a VPC peering connection (`DescribeVpcPeeringConnections`)
//! between a requester and an accepter VPC, either of which may be in another account or
//! region.
//!
//! The connection is recorded in every region where it is listed (both ends of a cross-region
//! peering list it), with an ARN in the scanned account and region, so route tables of that
//! region resolve their routes to it. Edges: the connection is `attached_to` its requester and
//! accepter VPCs (ARNs in each side's own account and region); a side that is not in the
//! inventory (another account, another region not scanned) leaves a dangling reference.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{Region, ResourceId};
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcPeeringConnection {
    pub vpc_peering_connection_id: String,
    pub status: PeeringStatus,
    pub status_message: Option<String>,
    pub requester: PeeringVpc,
    pub accepter: PeeringVpc,
    /// Until when an unaccepted request can be accepted.
    pub expiration_time: Option<DateTime<Utc>>,
}

/// One side of a peering connection (`RequesterVpcInfo` / `AccepterVpcInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeeringVpc {
    pub vpc_id: Option<String>,
    pub owner_id: Option<String>,
    pub region: Option<Region>,
    /// The VPC's ARN in its own account and region, when all three are known.
    pub vpc: Option<ResourceId>,
    /// Every IPv4 CIDR block of the VPC (`CidrBlock` and `CidrBlockSet`), the primary first.
    pub cidr_blocks: Vec<String>,
    pub ipv6_cidr_blocks: Vec<String>,
}

/// `Status.Code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeeringStatus {
    InitiatingRequest,
    PendingAcceptance,
    Provisioning,
    Active,
    Deleting,
    Deleted,
    Rejected,
    Failed,
    Expired,
    #[serde(other)]
    Unknown,
}

impl PeeringStatus {
    /// Parses EC2's spelling (`pending-acceptance`, `active`, ...).
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "initiating-request" => Self::InitiatingRequest,
            "pending-acceptance" => Self::PendingAcceptance,
            "provisioning" => Self::Provisioning,
            "active" => Self::Active,
            "deleting" => Self::Deleting,
            "deleted" => Self::Deleted,
            "rejected" => Self::Rejected,
            "failed" => Self::Failed,
            "expired" => Self::Expired,
            _ => Self::Unknown,
        }
    }
}

impl VpcPeeringConnection {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> = Vec::new();
        for v in [&self.requester.vpc, &self.accepter.vpc].into_iter().flatten() {
            let r = Reference::outgoing(EdgeKind::AttachedTo, v.clone());
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
        refs
    }

    /// The other side of the connection, seen from `vpc` (`None` when `vpc` is neither side).
    pub fn peer_of(&self, vpc: &ResourceId) -> Option<&PeeringVpc> {
        if self.requester.vpc.as_ref() == Some(vpc) {
            Some(&self.accepter)
        } else if self.accepter.vpc.as_ref() == Some(vpc) {
            Some(&self.requester)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::ec2_id;

    fn side(id: &str, cidr: &str) -> PeeringVpc {
        PeeringVpc {
            vpc_id: Some(id.into()),
            owner_id: Some("123456789012".into()),
            region: Some("us-east-1".parse().unwrap()),
            vpc: Some(ec2_id("vpc", id)),
            cidr_blocks: vec![cidr.into()],
            ipv6_cidr_blocks: vec![],
        }
    }

    #[test]
    fn attached_to_both_sides_and_peer_lookup() {
        let p = VpcPeeringConnection {
            vpc_peering_connection_id: "pcx-1".into(),
            status: PeeringStatus::Active,
            status_message: None,
            requester: side("vpc-a", "10.0.0.0/16"),
            accepter: side("vpc-b", "10.1.0.0/16"),
            expiration_time: None,
        };
        let refs = p.references();
        let targets: Vec<&str> = refs.iter().map(|r| r.target.short_id()).collect();
        assert_eq!(targets, ["vpc-a", "vpc-b"]);
        assert_eq!(p.peer_of(&ec2_id("vpc", "vpc-a")).unwrap().cidr_blocks, ["10.1.0.0/16"]);
        assert_eq!(p.peer_of(&ec2_id("vpc", "vpc-b")).unwrap().vpc_id.as_deref(), Some("vpc-a"));
        assert!(p.peer_of(&ec2_id("vpc", "vpc-c")).is_none());
        assert_eq!(PeeringStatus::parse("pending-acceptance"), PeeringStatus::PendingAcceptance);
        assert_eq!(PeeringStatus::parse("weird"), PeeringStatus::Unknown);
    }
}
