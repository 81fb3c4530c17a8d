//! `rds:DescribeDBInstances` -> `aws_rds_db_instance`.

use std::collections::BTreeMap;

use aws_sdk_rds::types as sdk;
use skywarden_graph::model::{DbInstance, DbInstanceStatus};
use skywarden_graph::Resource;

use crate::aws::{arn_id, classify, datetime, required, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.rds.describe_db_instances().max_records(100).into_paginator().send();
    while let Some(page) = cx.call(Service::Rds, pages.next()).await {
        for item in page.map_err(classify)?.db_instances() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

pub fn map(cx: &MapCx, d: &sdk::DbInstance) -> Result<Resource, CollectError> {
    let name = required(d.db_instance_identifier(), "DBInstanceIdentifier")?;
    let id = match d.db_instance_arn() {
        Some(arn) => arn_id(arn)?,
        None => arn_id(&format!("arn:{}:rds:{}:{}:db:{name}", cx.region.partition().as_str(), cx.region, cx.account))?,
    };
    let group = d.db_subnet_group();
    let mut subnets = group
        .map(|g| g.subnets())
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.subnet_identifier())
        .map(|s| cx.ec2_id("subnet", s))
        .collect::<Result<Vec<_>, _>>()?;
    subnets.sort();
    subnets.dedup();
    let mut security_groups = d
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id())
        .map(|g| cx.ec2_id("security-group", g))
        .collect::<Result<Vec<_>, _>>()?;
    security_groups.sort();
    security_groups.dedup();
    let model = DbInstance {
        db_instance_identifier: name.to_string(),
        engine: d.engine().unwrap_or_default().to_string(),
        engine_version: d.engine_version().map(str::to_string),
        instance_class: d.db_instance_class().map(str::to_string),
        status: DbInstanceStatus::parse(d.db_instance_status().unwrap_or_default()),
        publicly_accessible: d.publicly_accessible().unwrap_or(false),
        storage_encrypted: d.storage_encrypted().unwrap_or(false),
        // RDS returns the key ARN here.
        kms_key: d.kms_key_id().filter(|k| k.starts_with("arn:")).map(arn_id).transpose()?,
        backup_retention_days: d.backup_retention_period().unwrap_or(0),
        multi_az: d.multi_az().unwrap_or(false),
        deletion_protection: d.deletion_protection().unwrap_or(false),
        auto_minor_version_upgrade: d.auto_minor_version_upgrade().unwrap_or(false),
        vpc: group.and_then(|g| g.vpc_id()).filter(|v| !v.is_empty()).map(|v| cx.ec2_id("vpc", v)).transpose()?,
        subnets,
        security_groups,
        endpoint_address: d.endpoint().and_then(|e| e.address()).map(str::to_string),
        endpoint_port: d.endpoint().and_then(|e| e.port()),
        created: datetime(d.instance_create_time()),
    };
    let tags: BTreeMap<String, String> = d
        .tag_list()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect();
    Ok(Resource::new(id, cx.account.clone(), cx.region.clone(), tags, model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_placement_protection_and_key() {
        let d = sdk::DbInstance::builder()
            .db_instance_identifier("orders")
            .db_instance_arn("arn:aws:rds:eu-west-1:123456789012:db:orders")
            .engine("postgres")
            .engine_version("16.3")
            .db_instance_class("db.t3.micro")
            .db_instance_status("available")
            .publicly_accessible(true)
            .storage_encrypted(true)
            .kms_key_id("arn:aws:kms:eu-west-1:123456789012:key/k-1")
            .backup_retention_period(1)
            .auto_minor_version_upgrade(false)
            .db_subnet_group(
                sdk::DbSubnetGroup::builder()
                    .vpc_id("vpc-1")
                    .subnets(sdk::Subnet::builder().subnet_identifier("subnet-b").build())
                    .subnets(sdk::Subnet::builder().subnet_identifier("subnet-a").build())
                    .build(),
            )
            .vpc_security_groups(sdk::VpcSecurityGroupMembership::builder().vpc_security_group_id("sg-1").build())
            .endpoint(sdk::Endpoint::builder().address("orders.x.eu-west-1.rds.amazonaws.com").port(5432).build())
            .tag_list(sdk::Tag::builder().key("team").value("shop").build())
            .build();
        let r = map(&cx(), &d).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:rds:eu-west-1:123456789012:db:orders");
        assert_eq!(r.tags["team"], "shop");
        let m = r.model::<DbInstance>().unwrap();
        assert_eq!(m.status, DbInstanceStatus::Available);
        assert!(m.publicly_accessible && m.storage_encrypted && !m.auto_minor_version_upgrade);
        assert_eq!(m.backup_retention_days, 1);
        assert_eq!(m.kms_key.as_ref().unwrap().short_id(), "k-1");
        assert_eq!(m.subnets.iter().map(|s| s.short_id()).collect::<Vec<_>>(), ["subnet-a", "subnet-b"]);
        assert_eq!(m.vpc.as_ref().unwrap().short_id(), "vpc-1");
        assert_eq!(m.endpoint_port, Some(5432));
        assert_eq!(m.references().len(), 4);
    }

    #[test]
    fn omitted_flags_default_to_off() {
        let d = sdk::DbInstance::builder().db_instance_identifier("x").engine("mysql").build();
        let r = map(&cx(), &d).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:rds:eu-west-1:123456789012:db:x");
        let m = r.model::<DbInstance>().unwrap();
        assert!(!m.publicly_accessible && !m.storage_encrypted && m.kms_key.is_none());
        assert_eq!((m.status, m.backup_retention_days), (DbInstanceStatus::Unknown, 0));
    }
}
