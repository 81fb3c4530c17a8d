#!/usr/bin/env python3
"""Changes a seeded estate the way drift happens, for tests/drift_emulator.rs.

Subcommands (each prints one JSON object on stdout: what it did, with the ids, read back
through the API so the test compares Skywarden with boto3, not with this script's intent):

  drift     in --region (default us-east-1): authorize tcp/3389 from 0.0.0.0/0 on the first non-default
            security group (by id) that has no tcp/3389 permission yet; delete the first
            `available` (unattached) EBS volume by id; launch one untagged t3.micro instance
            into the first subnet by id; make the first bucket (by name) that has a public
            access block and no policy public: delete its public access block and put a policy
            allowing s3:GetObject to "*".
  revert    revoke the rule `drift` added (--group ID) and delete one more `available` volume
            (the first by id) in --region; used while that region is refused by the fault proxy.

Endpoint: --endpoint, else $SKYWARDEN_TEST_AWS_ENDPOINT, else $AWS_ENDPOINT_URL. Only boto3
and the standard library are used.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

def client(endpoint: str, service: str, region: str):
    return boto3.client(service, region_name=region, endpoint_url=endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def all_pages(method, key, **kw):
    out = []
    token = None
    while True:
        args = dict(kw)
        if token:
            args["NextToken"] = token
        page = method(**args)
        out.extend(page.get(key, []))
        token = page.get("NextToken")
        if not token:
            return out


def first_available_volume(ec2, skip=()):
    vols = all_pages(ec2.describe_volumes, "Volumes",
                     Filters=[{"Name": "status", "Values": ["available"]}])
    ids = sorted(v["VolumeId"] for v in vols if v["VolumeId"] not in skip)
    if not ids:
        sys.exit("no available volume in the region")
    return ids[0]


def drift(endpoint: str, region: str) -> dict:
    ec2 = client(endpoint, "ec2", region)
    s3 = client(endpoint, "s3", "us-east-1")

    groups = sorted(all_pages(ec2.describe_security_groups, "SecurityGroups"),
                    key=lambda g: g["GroupId"])

    def has_3389(g):
        return any(p.get("IpProtocol") == "tcp" and p.get("FromPort") == 3389
                   and p.get("ToPort") == 3389 for p in g.get("IpPermissions", []))

    group = next(g for g in groups if g["GroupName"] != "default" and not has_3389(g))
    before = len(group.get("IpPermissions", []))
    ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    after = ec2.describe_security_groups(GroupIds=[group["GroupId"]])["SecurityGroups"][0]

    volume = first_available_volume(ec2)
    ec2.delete_volume(VolumeId=volume)

    subnet = sorted(s["SubnetId"] for s in all_pages(ec2.describe_subnets, "Subnets"))[0]
    run = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro",
                            MinCount=1, MaxCount=1, SubnetId=subnet)
    iid = run["Instances"][0]["InstanceId"]
    inst = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    root_volumes = sorted(m["Ebs"]["VolumeId"] for m in inst.get("BlockDeviceMappings", [])
                          if "Ebs" in m)
    interfaces = sorted(n["NetworkInterfaceId"] for n in inst.get("NetworkInterfaces", []))

    bucket = None
    for b in sorted(s3.list_buckets()["Buckets"], key=lambda b: b["Name"]):
        name = b["Name"]
        loc = s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1"
        home = client(endpoint, "s3", loc)
        try:
            home.get_public_access_block(Bucket=name)
        except ClientError:
            continue
        try:
            home.get_bucket_policy(Bucket=name)
            continue
        except ClientError:
            pass
        bucket = name
        break
    if bucket is None:
        sys.exit("no private bucket with a public access block")
    home.delete_public_access_block(Bucket=bucket)
    home.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "DriftPublicRead", "Effect": "Allow", "Principal": "*",
                       "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    return {
        "region": region,
        "security_group": group["GroupId"],
        "ingress_before": before,
        "ingress_after": len(after.get("IpPermissions", [])),
        "deleted_volume": volume,
        "instance": iid,
        "instance_volumes": root_volumes,
        "instance_interfaces": interfaces,
        "bucket": bucket,
        "bucket_region": loc,
    }


def revert(endpoint: str, region: str, group: str, skip: list) -> dict:
    ec2 = client(endpoint, "ec2", region)
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    volume = first_available_volume(ec2, skip=set(skip))
    ec2.delete_volume(VolumeId=volume)
    return {"security_group": group, "deleted_volume": volume}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["drift", "revert"])
    ap.add_argument("--endpoint", default=os.environ.get("SKYWARDEN_TEST_AWS_ENDPOINT")
                    or os.environ.get("AWS_ENDPOINT_URL"))
    ap.add_argument("--region", default="us-east-1", help="where the EC2 changes are made")
    ap.add_argument("--group", help="revert: the security group `drift` changed")
    ap.add_argument("--skip-volume", action="append", default=[],
                    help="revert: volumes not to pick (already deleted)")
    a = ap.parse_args()
    if not a.endpoint:
        ap.error("no endpoint: --endpoint or SKYWARDEN_TEST_AWS_ENDPOINT")
    if a.command == "drift":
        out = drift(a.endpoint, a.region)
    else:
        if not a.group:
            ap.error("revert needs --group")
        out = revert(a.endpoint, a.region, a.group, a.skip_volume)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
