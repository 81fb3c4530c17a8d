#!/usr/bin/env python3
"""Writes a Terraform state (format version 4) for part of the emulator's estate.

    tfstate.py [--endpoint URL] [--region us-east-1] [--out FILE]

Built from boto3 describe calls only (never from Skywarden's store), the way the AWS
provider (v5) records these resources after `terraform import` + refresh: every instance,
EBS volume, security group, VPC, subnet, Elastic IP and load balancer of the region
(default VPCs, default subnets and `default` groups excepted: Terraform manages those
with aws_default_*), the S3 buckets located in the region with their split-out versioning,
public access block and default encryption resources, and the account's IAM users.

Shapes exercised on purpose: instances in a module with count indexes, volumes with
for_each keys and without `arn` (placed by their provider siblings), Elastic IPs without
`arn`, one security group whose ingress rules are separate
aws_vpc_security_group_ingress_rule resources (its own `ingress` empty), and a data source.

Only the Python standard library and boto3 are needed. Output: the state JSON (stdout
or --out).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

AWS = 'provider["registry.terraform.io/hashicorp/aws"]'


def tags_of(tag_list):
    return {t["Key"]: t.get("Value", "") for t in (tag_list or [])}


def with_tags(attrs, tags):
    attrs["tags"] = dict(tags)
    attrs["tags_all"] = dict(tags)
    return attrs


def resource(type_, name, instances, module=None, mode="managed"):
    r = {"mode": mode, "type": type_, "name": name, "provider": AWS, "instances": [
        {"schema_version": 1, "attributes": attrs, "sensitive_attributes": [],
         **({"index_key": key} if key is not None else {})}
        for key, attrs in instances]}
    if module:
        r["module"] = module
    return r


def rule_blocks(perms, group_id):
    """Inline ingress/egress blocks as the provider stores them (one block per permission)."""
    out = []
    for p in perms:
        proto = p["IpProtocol"]
        out.append({
            "protocol": proto,
            "from_port": p.get("FromPort", 0) if proto != "-1" else 0,
            "to_port": p.get("ToPort", 0) if proto != "-1" else 0,
            "cidr_blocks": [r["CidrIp"] for r in p.get("IpRanges", [])],
            "ipv6_cidr_blocks": [r["CidrIpv6"] for r in p.get("Ipv6Ranges", [])],
            "prefix_list_ids": [r["PrefixListId"] for r in p.get("PrefixListIds", [])],
            "security_groups": [g["GroupId"] for g in p.get("UserIdGroupPairs", [])
                                if g["GroupId"] != group_id],
            "self": any(g["GroupId"] == group_id for g in p.get("UserIdGroupPairs", [])),
            "description": "",
        })
    return out


def vpc_rules(perms, group_id):
    """aws_vpc_security_group_ingress_rule attributes: one resource per source."""
    out = []
    for p in perms:
        proto = p["IpProtocol"]
        base = {"security_group_id": group_id, "ip_protocol": proto,
                "from_port": None if proto == "-1" else p.get("FromPort"),
                "to_port": None if proto == "-1" else p.get("ToPort")}
        sources = ([("cidr_ipv4", r["CidrIp"]) for r in p.get("IpRanges", [])]
                   + [("cidr_ipv6", r["CidrIpv6"]) for r in p.get("Ipv6Ranges", [])]
                   + [("prefix_list_id", r["PrefixListId"]) for r in p.get("PrefixListIds", [])]
                   + [("referenced_security_group_id", g["GroupId"]) for g in p.get("UserIdGroupPairs", [])])
        for k, v in sources:
            attrs = dict(base, cidr_ipv4=None, cidr_ipv6=None, prefix_list_id=None,
                         referenced_security_group_id=None, tags=None, tags_all={})
            attrs[k] = v
            attrs["id"] = f"sgr-{len(out):05d}"
            out.append(attrs)
    return out


def build(endpoint, region):
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    sess = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"})
    cl = lambda svc, r=region: sess.client(svc, region_name=r, endpoint_url=endpoint, config=cfg)  # noqa: E731
    account = cl("sts").get_caller_identity()["Account"]
    arn = lambda kind, id_: f"arn:aws:ec2:{region}:{account}:{kind}/{id_}"  # noqa: E731
    ec2 = cl("ec2")
    resources = []

    reservations = [r for p in ec2.get_paginator("describe_instances").paginate() for r in p["Reservations"]]
    instances = sorted((i for r in reservations for i in r["Instances"]
                        if i["State"]["Name"] not in ("terminated", "shutting-down")),
                       key=lambda i: i["InstanceId"])
    resources.append(resource("aws_instance", "fleet", [
        (n, with_tags({
            "id": i["InstanceId"], "arn": arn("instance", i["InstanceId"]),
            "instance_type": i["InstanceType"], "ami": i.get("ImageId", ""),
            "subnet_id": i.get("SubnetId", ""),
            "vpc_security_group_ids": sorted(g["GroupId"] for g in i.get("SecurityGroups", [])),
            "private_ip": i.get("PrivateIpAddress", ""),
            "availability_zone": i["Placement"]["AvailabilityZone"],
            "instance_state": i["State"]["Name"],
            "metadata_options": [{
                "http_tokens": i.get("MetadataOptions", {}).get("HttpTokens", "optional"),
                "http_endpoint": i.get("MetadataOptions", {}).get("HttpEndpoint", "enabled"),
                "http_put_response_hop_limit": i.get("MetadataOptions", {}).get("HttpPutResponseHopLimit", 1),
            }],
        }, tags_of(i.get("Tags"))))
        for n, i in enumerate(instances)], module="module.fleet"))

    vols = sorted(ec2.describe_volumes()["Volumes"], key=lambda v: v["VolumeId"])
    resources.append(resource("aws_ebs_volume", "data", [
        (v["VolumeId"], with_tags({
            "id": v["VolumeId"], "size": v["Size"], "type": v["VolumeType"],
            "encrypted": v["Encrypted"], "availability_zone": v["AvailabilityZone"],
            "iops": v.get("Iops", 0), "throughput": v.get("Throughput", 0),
            "kms_key_id": v.get("KmsKeyId", ""), "snapshot_id": v.get("SnapshotId", ""),
        }, tags_of(v.get("Tags"))))
        for v in vols]))

    groups = sorted((g for g in ec2.describe_security_groups()["SecurityGroups"]
                     if g["GroupName"] != "default"), key=lambda g: g["GroupId"])
    split = next((g for g in groups if g.get("IpPermissions")), None)
    sg_instances = []
    for n, g in enumerate(groups):
        ingress = [] if g is split else rule_blocks(g.get("IpPermissions", []), g["GroupId"])
        sg_instances.append((None, with_tags({
            "id": g["GroupId"], "arn": arn("security-group", g["GroupId"]),
            "name": g["GroupName"], "description": g.get("Description", ""),
            "vpc_id": g.get("VpcId", ""), "owner_id": account,
            "ingress": ingress,
            "egress": rule_blocks(g.get("IpPermissionsEgress", []), g["GroupId"]),
            "revoke_rules_on_delete": False,
        }, tags_of(g.get("Tags")))))
    for n, inst in enumerate(sg_instances):
        resources.append(resource("aws_security_group", f"sg_{n:04d}", [inst]))
    if split is not None:
        resources.append(resource("aws_vpc_security_group_ingress_rule", "split", [
            (k, r) for k, r in enumerate(vpc_rules(split["IpPermissions"], split["GroupId"]))]))

    vpcs = sorted((v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")),
                  key=lambda v: v["VpcId"])
    resources.append(resource("aws_vpc", "net", [
        (v["VpcId"], with_tags({
            "id": v["VpcId"], "arn": arn("vpc", v["VpcId"]), "owner_id": account,
            "cidr_block": v["CidrBlock"], "instance_tenancy": v.get("InstanceTenancy", "default"),
        }, tags_of(v.get("Tags"))))
        for v in vpcs]))

    subnets = sorted((s for s in ec2.describe_subnets()["Subnets"] if not s.get("DefaultForAz")),
                     key=lambda s: s["SubnetId"])
    resources.append(resource("aws_subnet", "net", [
        (n, with_tags({
            "id": s["SubnetId"], "arn": arn("subnet", s["SubnetId"]), "owner_id": account,
            "vpc_id": s["VpcId"], "cidr_block": s["CidrBlock"],
            "availability_zone": s["AvailabilityZone"],
            "map_public_ip_on_launch": s.get("MapPublicIpOnLaunch", False),
        }, tags_of(s.get("Tags"))))
        for n, s in enumerate(subnets)], module="module.network"))

    addrs = sorted(ec2.describe_addresses()["Addresses"], key=lambda a: a["AllocationId"])
    resources.append(resource("aws_eip", "ip", [
        (n, with_tags({
            "id": a["AllocationId"], "allocation_id": a["AllocationId"],
            "public_ip": a["PublicIp"], "domain": a.get("Domain", "vpc"),
            "instance": a.get("InstanceId", ""), "network_interface": a.get("NetworkInterfaceId", ""),
            "association_id": a.get("AssociationId", ""),
        }, tags_of(a.get("Tags"))))
        for n, a in enumerate(addrs)]))

    elb = cl("elbv2")
    lbs = sorted((x for p in elb.get_paginator("describe_load_balancers").paginate()
                  for x in p["LoadBalancers"]), key=lambda l: l["LoadBalancerArn"])
    lb_instances = []
    for lb in lbs:
        a = lb["LoadBalancerArn"]
        attrs = {x["Key"]: x["Value"] for x in elb.describe_load_balancer_attributes(
            LoadBalancerArn=a)["Attributes"]}
        tags = tags_of(elb.describe_tags(ResourceArns=[a])["TagDescriptions"][0].get("Tags"))
        lb_instances.append((None, with_tags({
            "id": a, "arn": a, "name": lb["LoadBalancerName"],
            "internal": lb.get("Scheme") == "internal", "load_balancer_type": lb.get("Type", "application"),
            "subnets": sorted(z["SubnetId"] for z in lb.get("AvailabilityZones", [])),
            "security_groups": sorted(lb.get("SecurityGroups", [])),
            "ip_address_type": lb.get("IpAddressType", "ipv4"),
            "enable_deletion_protection": attrs.get("deletion_protection.enabled") == "true",
            "dns_name": lb.get("DNSName", ""),
        }, tags)))
    for n, inst in enumerate(lb_instances):
        resources.append(resource("aws_lb", f"lb_{n:03d}", [inst]))

    s3 = cl("s3", "us-east-1")
    buckets = []
    for b in sorted(s3.list_buckets()["Buckets"], key=lambda b: b["Name"]):
        loc = s3.get_bucket_location(Bucket=b["Name"]).get("LocationConstraint") or "us-east-1"
        if loc == "EU":
            loc = "eu-west-1"
        if loc == region:
            buckets.append(b["Name"])
    for n, name in enumerate(buckets):
        try:
            tags = tags_of(s3.get_bucket_tagging(Bucket=name)["TagSet"])
        except ClientError:
            tags = {}
        bucket = [resource("aws_s3_bucket", f"b_{n:03d}", [(None, with_tags({
            "id": name, "bucket": name, "arn": f"arn:aws:s3:::{name}", "region": loc,
            "force_destroy": False}, tags))])]
        status = s3.get_bucket_versioning(Bucket=name).get("Status")
        if status:
            bucket.append(resource("aws_s3_bucket_versioning", f"b_{n:03d}", [(None, {
                "id": name, "bucket": name, "expected_bucket_owner": "",
                "versioning_configuration": [{"status": status, "mfa_delete": ""}]})]))
        try:
            pab = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
            bucket.append(resource("aws_s3_bucket_public_access_block", f"b_{n:03d}", [(None, {
                "id": name, "bucket": name,
                "block_public_acls": pab.get("BlockPublicAcls", False),
                "block_public_policy": pab.get("BlockPublicPolicy", False),
                "ignore_public_acls": pab.get("IgnorePublicAcls", False),
                "restrict_public_buckets": pab.get("RestrictPublicBuckets", False)})]))
        except ClientError:
            pass
        try:
            rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
            bucket.append(resource("aws_s3_bucket_server_side_encryption_configuration", f"b_{n:03d}", [(None, {
                "id": name, "bucket": name, "rule": [{
                    "apply_server_side_encryption_by_default": [{
                        "sse_algorithm": r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
                        "kms_master_key_id": r["ApplyServerSideEncryptionByDefault"].get("KMSMasterKeyID", "")}],
                    "bucket_key_enabled": r.get("BucketKeyEnabled", False)} for r in rules]})]))
        except ClientError:
            pass
        resources.extend(bucket)

    iam = cl("iam")
    users = sorted((u for p in iam.get_paginator("list_users").paginate() for u in p["Users"]),
                   key=lambda u: u["UserName"])
    user_instances = []
    for u in users:
        tags = tags_of(iam.list_user_tags(UserName=u["UserName"]).get("Tags"))
        user_instances.append((u["UserName"], with_tags({
            "id": u["UserName"], "name": u["UserName"], "arn": u["Arn"], "path": u["Path"],
            "unique_id": u["UserId"], "force_destroy": False, "permissions_boundary": ""}, tags)))
    resources.append(resource("aws_iam_user", "people", user_instances, module="module.iam"))

    resources.append(resource("aws_caller_identity", "current", [(None, {
        "id": account, "account_id": account})], mode="data"))
    return {"version": 4, "terraform_version": "1.9.5", "serial": 1,
            "lineage": "00000000-0000-4000-8000-00000000e2e0", "outputs": {},
            "resources": resources, "check_results": None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", default=os.environ.get("SKYWARDEN_TEST_AWS_ENDPOINT")
                    or os.environ.get("AWS_ENDPOINT_URL"))
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--out")
    args = ap.parse_args()
    if not args.endpoint:
        sys.exit("tfstate.py: --endpoint (or SKYWARDEN_TEST_AWS_ENDPOINT) is required")
    state = build(args.endpoint, args.region)
    text = json.dumps(state, indent=1, sort_keys=False)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
