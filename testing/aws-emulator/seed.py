#!/usr/bin/env python3
"""Deterministic AWS estate seeder and ground-truth checker for a moto server.

Subcommands
  plan    compute the estate for (--seed, --scale, --regions) and write expected.json;
          needs no server.
  seed    create that estate on a running moto server, then write expected.json.
  verify  re-derive every expected count from the server's API (a small reference
          scanner written with boto3) and compare with expected.json; exit 1 on mismatch.

Everything random is drawn from random.Random(seed) while planning, so the estate and
expected.json depend only on (seed, scale, regions). Resource IDs are chosen by moto;
with --workers 1 they are reproducible too (the seeder seeds moto's own RNG through
/moto-api/seed), with more workers only names, counts and attributes are.

"Old" snapshots and access keys need the server's clock moved back while they are
created. start.sh runs moto through moto_clock.py, whose clock offset is read from a
file; pass that file with --time-file (or env AWS_EMU_TIME_FILE, which start.sh
exports). Without it the old ones are created "now", and expected.json records
time_travel=false with the old_* counts set to 0.

Only the Python standard library and boto3 are needed.

Skywarden copy of the team's shared emulator kit (shared/aws-emulator/seed.py). Changes,
none of which alter the estate or the ground truth:
  * the endpoint defaults to $SKYWARDEN_TEST_AWS_ENDPOINT, then $AWS_ENDPOINT_URL;
  * verify's --expected defaults to $SKYWARDEN_TEST_AWS_EXPECTED, then expected.json;
  * seed's default --out is $SKYWARDEN_EMU_HOME (default ~/.cache/skywarden/aws-emulator)
    /expected-SCALE-SEED.json.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import random
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

DEFAULT_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
REQUIRED_TAGS = ["owner", "cost-center"]
NAME_PREFIX = "gov"
OLD_SNAPSHOT_SHIFT = "-400d"  # snapshots planted as old are created 400 days in the past
OLD_KEY_SHIFT = "-200d"  # access keys planted as old are created 200 days in the past
AGE_THRESHOLD_DAYS = 90
SCHEMA_VERSION = 1
DEFAULT_ENDPOINT = (os.environ.get("SKYWARDEN_TEST_AWS_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL")
                    or "http://127.0.0.1:5000")

# --------------------------------------------------------------------------- plan


def short(region: str) -> str:
    p = region.split("-")
    return p[0] + "".join(x[0] for x in p[1:-1]) + p[-1]


def pick(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


TAG_VARIANTS = {"full": 70, "no-cost-center": 13, "no-owner": 10, "none": 7}
OWNERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
COST_CENTERS = ["cc-1001", "cc-1002", "cc-2001", "cc-3005", "cc-4100"]
ENVS = ["prod", "staging", "dev", "sandbox"]


def make_tags(rng: random.Random, name: str) -> dict:
    variant = pick(rng, TAG_VARIANTS)
    tags = {"Name": name, "env": rng.choice(ENVS)}
    owner, cc = rng.choice(OWNERS), rng.choice(COST_CENTERS)
    if variant in ("full", "no-cost-center"):
        tags["owner"] = owner
    if variant in ("full", "no-owner"):
        tags["cost-center"] = cc
    return tags


def missing_required(tags: dict) -> bool:
    return any(t not in tags for t in REQUIRED_TAGS)


SG_KINDS = {
    # kind: (weight, ingress rules [(proto, from, to, cidr)])
    "web": (38, [("tcp", 80, 80, "0.0.0.0/0"), ("tcp", 443, 443, "0.0.0.0/0")]),
    "ssh-internal": (20, [("tcp", 22, 22, "10.0.0.0/8")]),
    "db": (17, [("tcp", 5432, 5432, "10.0.0.0/8")]),
    "ssh-world": (10, [("tcp", 22, 22, "0.0.0.0/0")]),
    "ssh-world-v6": (2, [("tcp", 22, 22, "::/0")]),
    "rdp-world": (6, [("tcp", 3389, 3389, "0.0.0.0/0")]),
    "admin-range-world": (3, [("tcp", 0, 65535, "0.0.0.0/0")]),
    "all-world": (2, [("-1", None, None, "0.0.0.0/0")]),
    "none": (2, []),
}


def rule_opens(rules, port) -> bool:
    for proto, lo, hi, cidr in rules:
        if cidr not in ("0.0.0.0/0", "::/0"):
            continue
        if proto == "-1":
            return True
        if proto == "tcp" and lo <= port <= hi:
            return True
    return False


def all_ports(rule) -> bool:
    proto, lo, hi, cidr = rule
    return cidr in ("0.0.0.0/0", "::/0") and (proto == "-1" or (lo == 0 and hi == 65535))


def counts_for(scale: int, n_regions: int) -> dict:
    s = scale / n_regions
    return {
        "vpcs": max(1, round(s / 150)),
        "sgs": max(3, round(s * 0.05)),
        "instances": max(4, round(s * 0.20)),
        "data_volumes": max(3, round(s * 0.10)),
        "snapshots": max(2, round(s * 0.06)),
        "eips": max(2, round(s * 0.02)),
        "lbs": max(1, round(s * 0.004)),
        "buckets": max(3, round(scale * 0.02)),
        "users": max(3, round(scale * 0.015)),
    }


def availability_zones(region: str) -> list:
    # moto's default AZ letters; every region has at least a, b, c.
    return [region + c for c in "abc"]


BUCKET_CYCLE = [("public-acl", None), ("public-policy", "AES256"), ("public-but-blocked", "aws:kms"),
                ("private-no-pab", None), ("private-pab", "AES256")]


def build_plan(seed: int, scale: int, regions: list) -> dict:
    rng = random.Random(seed)
    n = counts_for(scale, len(regions))
    plan = {"seed": seed, "scale": scale, "regions": regions, "counts": n, "region": {}}
    for region in regions:
        rs = short(region)
        azs = availability_zones(region)
        R = {"vpcs": [], "subnets": [], "sgs": [], "fleets": [], "volumes": [],
             "snapshots": [], "eips": [], "lbs": [], "nats": []}
        # VPCs, subnets, IGWs, NATs
        for i in range(n["vpcs"]):
            has_igw = i == 0 or rng.random() < 0.75
            vpc = {"name": f"{NAME_PREFIX}-{rs}-vpc-{i:04d}",
                   "cidr": f"10.{i % 250}.0.0/16" if i < 250 else f"172.{16 + (i - 250) % 16}.0.0/16",
                   "has_igw": has_igw, "nat": has_igw and i % 4 == 0,
                   "tags": make_tags(rng, f"{NAME_PREFIX}-{rs}-vpc-{i:04d}")}
            base = vpc["cidr"].split(".")
            for j in range(4):
                public = has_igw and j < 2
                name = f"{NAME_PREFIX}-{rs}-vpc-{i:04d}-{'pub' if public else 'priv'}-{j}"
                R["subnets"].append({
                    "name": name, "vpc": i, "index": j, "public": public,
                    "az": azs[j % 2],  # two AZs per tier, so an ALB can span them
                    "cidr": f"{base[0]}.{base[1]}.{16 * j}.0/20",
                    "tags": make_tags(rng, name)})
            R["vpcs"].append(vpc)
            if vpc["nat"]:
                R["nats"].append({"vpc": i, "name": f"{NAME_PREFIX}-{rs}-nat-{i:04d}"})
        subnets_by_vpc = collections.defaultdict(list)
        for k, sn in enumerate(R["subnets"]):
            subnets_by_vpc[sn["vpc"]].append(k)
        # Security groups: the first len(vpcs) round-robin so every VPC has one.
        sg_weights = {k: v[0] for k, v in SG_KINDS.items()}
        for i in range(n["sgs"]):
            vpc = i if i < n["vpcs"] else rng.randrange(n["vpcs"])
            kind = pick(rng, sg_weights)
            name = f"{NAME_PREFIX}-{rs}-sg-{kind}-{i:05d}"
            R["sgs"].append({"name": name, "vpc": vpc, "kind": kind,
                             "rules": SG_KINDS[kind][1], "tags": make_tags(rng, name)})
        sgs_by_vpc = collections.defaultdict(list)
        for k, sg in enumerate(R["sgs"]):
            sgs_by_vpc[sg["vpc"]].append(k)
        # Instances, in fleets of identical instances (one RunInstances call each).
        made, f = 0, 0
        while made < n["instances"]:
            size = min(rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 8]), n["instances"] - made)
            sn = rng.randrange(len(R["subnets"]))
            vpc = R["subnets"][sn]["vpc"]
            k_sg = min(len(sgs_by_vpc[vpc]), rng.choice([1, 1, 2]))
            sgs = sorted(rng.sample(sgs_by_vpc[vpc], k_sg))
            name = f"{NAME_PREFIX}-{rs}-app-{f:05d}"
            fleet = {"name": name, "size": size, "subnet": sn, "sgs": sgs,
                     "imds": "optional" if rng.random() < 0.35 else "required",
                     "root_encrypted": rng.random() < 0.5,
                     "type": rng.choice(["t3.micro", "t3.small", "m5.large", "c5.xlarge", "r5.large"]),
                     "stopped": [rng.random() < 0.15 for _ in range(size)],
                     "tags": make_tags(rng, name)}
            R["fleets"].append(fleet)
            made += size
            f += 1
        # flat instance index -> (fleet, member)
        inst = [(fi, m) for fi, fl in enumerate(R["fleets"]) for m in range(fl["size"])]
        # Data volumes: half attached to a random instance.
        attach_count = collections.Counter()
        for i in range(n["data_volumes"]):
            name = f"{NAME_PREFIX}-{rs}-vol-{i:05d}"
            attach = None
            if rng.random() < 0.5:
                cand = inst[rng.randrange(len(inst))]
                if attach_count[cand] < 10:
                    attach = list(cand)
                    attach_count[cand] += 1
            R["volumes"].append({
                "name": name, "az": None, "attach": attach,
                "encrypted": rng.random() < 0.6,
                "size": rng.choice([8, 20, 50, 100, 500]),
                "type": rng.choice(["gp2", "gp3", "io1", "st1"]),
                "tags": make_tags(rng, name)})
        for i, vol in enumerate(R["volumes"]):
            if vol["attach"] is None:
                vol["az"] = rng.choice(azs[:2])
        for i in range(n["snapshots"]):
            name = f"{NAME_PREFIX}-{rs}-snap-{i:05d}"
            R["snapshots"].append({"name": name, "volume": rng.randrange(len(R["volumes"])),
                                   "old": rng.random() < 0.4, "tags": make_tags(rng, name)})
        for i in range(n["eips"]):
            name = f"{NAME_PREFIX}-{rs}-eip-{i:05d}"
            assoc = list(inst[rng.randrange(len(inst))]) if rng.random() < 0.5 else None
            R["eips"].append({"name": name, "assoc": assoc, "tags": make_tags(rng, name)})
        # de-duplicate EIP associations: one EIP per instance
        seen = set()
        for e in R["eips"]:
            if e["assoc"] is not None:
                key = tuple(e["assoc"])
                if key in seen:
                    e["assoc"] = None
                seen.add(key)
        # Load balancers in VPCs with an IGW (two public subnets in two AZs).
        igw_vpcs = [i for i, v in enumerate(R["vpcs"]) if v["has_igw"]]
        for i in range(n["lbs"]):
            vpc = igw_vpcs[i % len(igw_vpcs)]
            name = f"{NAME_PREFIX}-{rs}-alb-{i:04d}"
            vpc_inst = [k for k, (fi, m) in enumerate(inst)
                        if R["subnets"][R["fleets"][fi]["subnet"]]["vpc"] == vpc]
            idle = rng.random() < 0.3 or not vpc_inst
            targets = [] if idle else sorted(rng.sample(vpc_inst, min(len(vpc_inst), rng.randint(1, 3))))
            R["lbs"].append({"name": name, "tg": f"{NAME_PREFIX}-{rs}-tg-{i:04d}", "vpc": vpc,
                             "targets": [list(inst[k]) for k in targets],
                             "sgs": [sgs_by_vpc[vpc][0]] if sgs_by_vpc[vpc] else [],
                             "tags": make_tags(rng, name)})
        plan["region"][region] = R
    # Global: S3 buckets and IAM users.
    buckets = []
    for i in range(n["buckets"]):
        name = f"{NAME_PREFIX}-{seed}-bkt-{i:05d}"
        access = pick(rng, {"public-acl": 8, "public-policy": 7, "public-but-blocked": 5,
                            "private-pab": 50, "private-no-pab": 30})
        encryption = pick(rng, {"AES256": 40, "aws:kms": 20, None: 40})
        if i < len(BUCKET_CYCLE):  # every kind is present even at the smallest scales
            access, encryption = BUCKET_CYCLE[i]
        buckets.append({"name": name, "region": regions[i % len(regions)], "access": access,
                        "encryption": encryption,
                        "versioning": rng.random() < 0.5, "tags": make_tags(rng, name)})
    users = []
    for i in range(n["users"]):
        name = f"{NAME_PREFIX}-user-{i:05d}"
        nkeys = pick(rng, {0: 20, 1: 60, 2: 20})
        keys = []
        for k in range(nkeys):
            keys.append({"old": rng.random() < 0.3,
                         "active": k == 0 or rng.random() < 0.5})
        console = rng.random() < 0.4
        mfa = console and rng.random() < 0.5
        admin = rng.random() < 0.1
        if i == 0:  # every kind is present even at the smallest scales
            admin = True
        elif i == 1:
            console, mfa = True, False
        elif i == 2:
            console, mfa, keys = True, True, [{"old": True, "active": True}, {"old": False, "active": True}]
        users.append({"name": name, "keys": keys, "console": console, "mfa": mfa,
                      "admin": admin, "tags": make_tags(rng, name)})
    plan["buckets"] = buckets
    plan["users"] = users
    return plan


# ----------------------------------------------------------------- expected.json


def expected_from_plan(plan: dict, time_travel: bool) -> dict:
    regions = plan["regions"]
    per_region = {}
    inv_total = collections.Counter()
    prob_total = collections.Counter()
    tag_total = collections.Counter()
    for region in regions:
        R = plan["region"][region]
        inv = collections.Counter()
        prob = collections.Counter()
        tagm = collections.Counter()
        inv["vpcs"] = len(R["vpcs"])
        inv["subnets"] = len(R["subnets"])
        inv["subnets_public"] = sum(1 for s in R["subnets"] if s["public"])
        inv["internet_gateways"] = sum(1 for v in R["vpcs"] if v["has_igw"])
        inv["nat_gateways"] = len(R["nats"])
        # explicit route tables: public (if IGW) + private per VPC; plus one main per VPC
        inv["route_tables"] = sum(2 + (1 if v["has_igw"] else 0) for v in R["vpcs"])
        inv["route_tables_with_igw_route"] = inv["internet_gateways"]
        inv["security_groups"] = len(R["sgs"])  # excludes each VPC's 'default' SG
        n_inst = sum(f["size"] for f in R["fleets"])
        inv["instances"] = n_inst
        inv["instance_fleets"] = len(R["fleets"])
        inv["volumes"] = n_inst + len(R["volumes"])  # one root volume per instance
        inv["volumes_data"] = len(R["volumes"])
        inv["snapshots"] = len(R["snapshots"])
        inv["elastic_ips"] = len(R["eips"]) + len(R["nats"])
        inv["load_balancers"] = len(R["lbs"])
        inv["target_groups"] = len(R["lbs"])
        inv["network_interfaces"] = n_inst + len(R["nats"])  # moto: one per instance and per NAT GW, none for ALBs
        # problems
        open22 = {k for k, sg in enumerate(R["sgs"]) if rule_opens(sg["rules"], 22)}
        open3389 = {k for k, sg in enumerate(R["sgs"]) if rule_opens(sg["rules"], 3389)}
        prob["sg_world_open_ssh"] = len(open22)
        prob["sg_world_open_rdp"] = len(open3389)
        prob["sg_world_open_all_traffic"] = sum(
            1 for sg in R["sgs"] if any(r[0] == "-1" and r[3] in ("0.0.0.0/0", "::/0") for r in sg["rules"]))
        prob["sg_world_open_all_ports"] = sum(1 for sg in R["sgs"] if any(all_ports(r) for r in sg["rules"]))
        prob["sg_world_open_ssh_port_rule"] = sum(
            1 for sg in R["sgs"] if rule_opens([r for r in sg["rules"] if not all_ports(r)], 22))
        prob["sg_world_open_rdp_port_rule"] = sum(
            1 for sg in R["sgs"] if rule_opens([r for r in sg["rules"] if not all_ports(r)], 3389))
        eip_on = {tuple(e["assoc"]) for e in R["eips"] if e["assoc"] is not None}
        for fi, fl in enumerate(R["fleets"]):
            sn = R["subnets"][fl["subnet"]]
            for m in range(fl["size"]):
                stopped = fl["stopped"][m]
                running = not stopped
                public = sn["public"] or (fi, m) in eip_on
                prob["instance_imdsv1"] += fl["imds"] == "optional"
                prob["instance_stopped"] += stopped
                prob["instance_public_ip"] += running and public
                # moto, like EC2, releases an auto-assigned public IP on stop and keeps an Elastic IP,
                # EXCEPT (moto quirk) when the instance was launched with an auto-assigned public IP
                # (MapPublicIpOnLaunch subnet): then the EIP address disappears from the instance too.
                prob["instance_public_ip_any_state"] += (running and public) or (
                    (fi, m) in eip_on and not sn["public"])
                exposed = running and public and sn["public"] and any(
                    k in open22 or k in open3389 for k in fl["sgs"])
                prob["instance_exposed_admin_port"] += exposed
                prob["volume_unencrypted"] += not fl["root_encrypted"]
        prob["volume_unattached"] = sum(1 for v in R["volumes"] if v["attach"] is None)
        prob["volume_unencrypted"] += sum(1 for v in R["volumes"] if not v["encrypted"])
        prob["snapshot_older_than_90d"] = sum(1 for s in R["snapshots"] if s["old"]) if time_travel else 0
        prob["snapshot_unencrypted"] = sum(
            1 for s in R["snapshots"] if not R["volumes"][s["volume"]]["encrypted"])
        prob["eip_unassociated"] = sum(1 for e in R["eips"] if e["assoc"] is None)
        prob["lb_without_targets"] = sum(1 for lb in R["lbs"] if not lb["targets"])
        # tags
        tagm["instances"] = sum(f["size"] for f in R["fleets"] if missing_required(f["tags"]))
        tagm["volumes_data"] = sum(1 for v in R["volumes"] if missing_required(v["tags"]))
        tagm["snapshots"] = sum(1 for s in R["snapshots"] if missing_required(s["tags"]))
        tagm["security_groups"] = sum(1 for s in R["sgs"] if missing_required(s["tags"]))
        tagm["vpcs"] = sum(1 for v in R["vpcs"] if missing_required(v["tags"]))
        tagm["subnets"] = sum(1 for s in R["subnets"] if missing_required(s["tags"]))
        tagm["elastic_ips"] = sum(1 for e in R["eips"] if missing_required(e["tags"]))
        tagm["load_balancers"] = sum(1 for lb in R["lbs"] if missing_required(lb["tags"]))
        per_region[region] = {"inventory": dict(sorted(inv.items())),
                              "problems": dict(sorted(prob.items())),
                              "missing_required_tags": dict(sorted(tagm.items()))}
        inv_total.update(inv)
        prob_total.update(prob)
        tag_total.update(tagm)
    # global
    B, U = plan["buckets"], plan["users"]
    g_inv = {"s3_buckets": len(B), "iam_users": len(U),
             "iam_access_keys": sum(len(u["keys"]) for u in U)}
    g_prob = {
        "s3_bucket_public": sum(1 for b in B if b["access"] in ("public-acl", "public-policy")),
        "s3_bucket_public_acl": sum(1 for b in B if b["access"] == "public-acl"),
        "s3_bucket_public_policy": sum(1 for b in B if b["access"] == "public-policy"),
        "s3_bucket_acl_grants_all_users": sum(
            1 for b in B if b["access"] in ("public-acl", "public-but-blocked")),
        "s3_bucket_no_public_access_block": sum(
            1 for b in B if b["access"] in ("public-acl", "public-policy", "private-no-pab")),
        "s3_bucket_no_default_encryption": sum(1 for b in B if b["encryption"] is None),
        "s3_bucket_versioning_disabled": sum(1 for b in B if not b["versioning"]),
        "iam_access_key_older_than_90d": sum(
            1 for u in U for k in u["keys"] if k["old"] and k["active"]) if time_travel else 0,
        "iam_user_with_active_key_older_than_90d": sum(
            1 for u in U if any(k["old"] and k["active"] for k in u["keys"])) if time_travel else 0,
        "iam_user_multiple_active_keys": sum(
            1 for u in U if sum(k["active"] for k in u["keys"]) > 1),
        "iam_user_two_access_keys_any_status": sum(1 for u in U if len(u["keys"]) > 1),
        "iam_user_console_without_mfa": sum(1 for u in U if u["console"] and not u["mfa"]),
        "iam_user_admin_policy_attached": sum(1 for u in U if u["admin"]),
        "iam_no_account_password_policy": 1,
    }
    g_tags = {"s3_buckets": sum(1 for b in B if missing_required(b["tags"])),
              "iam_users": sum(1 for u in U if missing_required(u["tags"]))}
    total_resources = (sum(v for k, v in inv_total.items()
                           if k in ("vpcs", "subnets", "internet_gateways", "nat_gateways",
                                    "route_tables", "security_groups", "instances", "volumes",
                                    "snapshots", "elastic_ips", "load_balancers", "target_groups",
                                    "network_interfaces"))
                       + g_inv["s3_buckets"] + g_inv["iam_users"] + g_inv["iam_access_keys"])
    return {
        "schema_version": SCHEMA_VERSION,
        "seed": plan["seed"], "scale": plan["scale"], "regions": plan["regions"],
        "account_id": "123456789012",
        "time_travel": time_travel,
        "approx_resource_count": total_resources,
        "definitions": DEFINITIONS,
        "required_tags": REQUIRED_TAGS,
        "totals": {"inventory": dict(sorted(inv_total.items())),
                   "problems": dict(sorted(prob_total.items())),
                   "missing_required_tags": dict(sorted(tag_total.items()))},
        "per_region": per_region,
        "global": {"inventory": g_inv, "problems": g_prob, "missing_required_tags": g_tags},
        "moto_defaults_per_region": {
            "note": "moto creates these untagged in every region a client touches; they are NOT counted above",
            "vpcs": 1, "subnets": "one per AZ (us-east-1: 6, most others: 3)",
            "security_groups": "1 per VPC (default VPC and every seeded VPC), GroupName 'default'",
            "route_tables": "1 main per VPC", "network_acls": "1 default per VPC"},
    }


DEFINITIONS = {
    "scope": "Only resources the seeder created (Name tag starts with 'gov-'); moto's default VPC, "
             "default subnets, per-VPC 'default' security groups, main route tables and default NACLs excluded.",
    "sg_world_open_ssh": "security group with an ingress permission from 0.0.0.0/0 or ::/0 that is IpProtocol -1 or tcp with FromPort<=22<=ToPort",
    "sg_world_open_rdp": "same for port 3389",
    "sg_world_open_all_traffic": "ingress IpProtocol -1 from 0.0.0.0/0 or ::/0",
    "sg_world_open_all_ports": "ingress from the world that is IpProtocol -1 or tcp 0-65535 (Prowler/ScoutSuite 'all ports' semantics)",
    "sg_world_open_ssh_port_rule": "world-open on 22 through a rule that is not an all-ports rule (Prowler/ScoutSuite port-22 semantics)",
    "sg_world_open_rdp_port_rule": "same for 3389",
    "instance_imdsv1": "instance whose MetadataOptions.HttpTokens is 'optional' (any state)",
    "instance_stopped": "instance in state 'stopped'",
    "instance_public_ip": "running instance with a PublicIpAddress (auto-assigned in a MapPublicIpOnLaunch subnet, or an Elastic IP)",
    "instance_public_ip_any_state": "instance in any state with a PublicIpAddress (on moto a stopped instance keeps only an Elastic IP, and not even that if it was launched into a MapPublicIpOnLaunch subnet)",
    "instance_exposed_admin_port": "running instance with a public IP, in a subnet whose route table has 0.0.0.0/0 -> igw-*, with an attached SG that is world-open on 22 or 3389",
    "volume_unattached": "EBS volume in state 'available'",
    "volume_unencrypted": "EBS volume (root volumes included) with Encrypted=false",
    "snapshot_older_than_90d": "snapshot whose StartTime is more than 90 days before now (needs time travel)",
    "snapshot_unencrypted": "snapshot with Encrypted=false",
    "eip_unassociated": "Elastic IP without AssociationId (NAT gateway EIPs are associated)",
    "lb_without_targets": "ALB whose target groups have no registered targets",
    "s3_bucket_public": "bucket whose ACL grants AllUsers, or whose policy allows Principal '*', and that has no public access block",
    "s3_bucket_no_public_access_block": "bucket without a bucket-level public access block configuration",
    "s3_bucket_no_default_encryption": "GetBucketEncryption returns ServerSideEncryptionConfigurationNotFoundError (moto; real AWS now always returns SSE-S3)",
    "s3_bucket_versioning_disabled": "GetBucketVersioning has no Status 'Enabled'",
    "iam_access_key_older_than_90d": "Active access key whose CreateDate is more than 90 days before now (needs time travel)",
    "iam_user_with_active_key_older_than_90d": "users having at least one such key",
    "iam_user_multiple_active_keys": "user with two Active access keys",
    "iam_user_two_access_keys_any_status": "user with two access keys, Active or Inactive",
    "s3_bucket_acl_grants_all_users": "bucket ACL grants AllUsers, whether or not a public access block neutralises it",
    "iam_user_console_without_mfa": "user with a login profile and no MFA device",
    "iam_user_admin_policy_attached": "user with the customer-managed policy 'gov-admin' (Action '*' on Resource '*') attached",
    "iam_no_account_password_policy": "GetAccountPasswordPolicy returns NoSuchEntity (1 per account)",
    "missing_required_tags": "resource lacking any of the required tag keys (owner, cost-center); counts per type",
}

# ----------------------------------------------------------------------- seeding


def add_account_header(client, account_id):
    """moto (server mode) puts the request in the account named by the x-moto-account-id header."""
    def _hdr(request, **_):
        request.headers["x-moto-account-id"] = account_id
    client.meta.events.register("before-send", _hdr)


class Seeder:
    def __init__(self, endpoint, workers, time_file, verbose=True, account_id=None):
        import boto3
        from botocore.config import Config

        self.endpoint = endpoint.rstrip("/")
        self.workers = workers
        self.time_file = time_file
        self.verbose = verbose
        self.account_id = account_id
        self._lock = threading.Lock()
        self._clients = {}
        self.calls = collections.Counter()
        self.session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing")
        self.cfg = Config(max_pool_connections=max(10, workers * 2),
                          retries={"max_attempts": 5, "mode": "standard"},
                          s3={"addressing_style": "path"},
                          connect_timeout=10, read_timeout=300)

    def c(self, service, region="us-east-1"):
        key = (service, region, threading.get_ident())
        cl = self._clients.get(key)
        if cl is None:
            with self._lock:  # boto3 sessions are not thread-safe; clients are
                cl = self.session.client(service, region_name=region, endpoint_url=self.endpoint,
                                         config=self.cfg)
                cl.meta.events.register("before-call", self._count)
                if self.account_id:
                    add_account_header(cl, self.account_id)
                self._clients[key] = cl
        return cl

    def _count(self, model, **_):
        with self._lock:
            self.calls[model.service_model.service_name] += 1

    def log(self, *a):
        if self.verbose:
            print(f"[{time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)

    def pmap(self, fn, items):
        items = list(items)
        if self.workers <= 1:
            return [fn(x) for x in items]
        with ThreadPoolExecutor(self.workers) as ex:
            return list(ex.map(fn, items))

    def set_time(self, shift):
        if not self.time_file:
            return
        with open(self.time_file, "w") as f:
            f.write(shift + "\n")
        time.sleep(0.3)

    def moto_reset(self):
        req = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=120).read()

    def moto_seed(self, seed):
        req = urllib.request.Request(f"{self.endpoint}/moto-api/seed?a={seed}", method="POST")
        urllib.request.urlopen(req, timeout=30).read()

    @staticmethod
    def tagspec(rtype, tags):
        return [{"ResourceType": rtype, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]

    # ---- EC2 per region
    def seed_region(self, region, R, phase_times):
        ec2 = lambda: self.c("ec2", region)  # noqa: E731
        ids = {"vpc": {}, "igw": {}, "subnet": {}, "sg": {}, "inst": {}, "vol": {}, "rt_priv": {}}

        def t(label, fn, items):
            t0 = time.perf_counter()
            r = self.pmap(fn, items)
            phase_times[label] += time.perf_counter() - t0
            return r

        def mk_vpc(i):
            v = R["vpcs"][i]
            out = ec2().create_vpc(CidrBlock=v["cidr"], TagSpecifications=self.tagspec("vpc", v["tags"]))
            ids["vpc"][i] = out["Vpc"]["VpcId"]
            if v["has_igw"]:
                igw = ec2().create_internet_gateway(
                    TagSpecifications=self.tagspec("internet-gateway", {"Name": v["name"] + "-igw"}))
                ids["igw"][i] = igw["InternetGateway"]["InternetGatewayId"]
                ec2().attach_internet_gateway(InternetGatewayId=ids["igw"][i], VpcId=ids["vpc"][i])
        t("vpcs", mk_vpc, range(len(R["vpcs"])))

        def mk_subnet(k):
            s = R["subnets"][k]
            out = ec2().create_subnet(VpcId=ids["vpc"][s["vpc"]], CidrBlock=s["cidr"],
                                      AvailabilityZone=s["az"],
                                      TagSpecifications=self.tagspec("subnet", s["tags"]))
            ids["subnet"][k] = out["Subnet"]["SubnetId"]
            if s["public"]:
                ec2().modify_subnet_attribute(SubnetId=ids["subnet"][k],
                                              MapPublicIpOnLaunch={"Value": True})
        t("subnets", mk_subnet, range(len(R["subnets"])))

        subnets_by_vpc = collections.defaultdict(list)
        for k, s in enumerate(R["subnets"]):
            subnets_by_vpc[s["vpc"]].append(k)

        def mk_rts(i):
            v = R["vpcs"][i]
            vpc_id = ids["vpc"][i]
            if v["has_igw"]:
                rt = ec2().create_route_table(VpcId=vpc_id, TagSpecifications=self.tagspec(
                    "route-table", {"Name": v["name"] + "-rt-public"}))["RouteTable"]["RouteTableId"]
                ec2().create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0",
                                   GatewayId=ids["igw"][i])
                for k in subnets_by_vpc[i]:
                    if R["subnets"][k]["public"]:
                        ec2().associate_route_table(RouteTableId=rt, SubnetId=ids["subnet"][k])
            rt = ec2().create_route_table(VpcId=vpc_id, TagSpecifications=self.tagspec(
                "route-table", {"Name": v["name"] + "-rt-private"}))["RouteTable"]["RouteTableId"]
            ids["rt_priv"][i] = rt
            for k in subnets_by_vpc[i]:
                if not R["subnets"][k]["public"]:
                    ec2().associate_route_table(RouteTableId=rt, SubnetId=ids["subnet"][k])
        t("route_tables", mk_rts, range(len(R["vpcs"])))

        def mk_sg(k):
            sg = R["sgs"][k]
            gid = ec2().create_security_group(
                GroupName=sg["name"], Description=f"{sg['kind']} tier", VpcId=ids["vpc"][sg["vpc"]],
                TagSpecifications=self.tagspec("security-group", sg["tags"]))["GroupId"]
            ids["sg"][k] = gid
            perms = []
            for proto, lo, hi, cidr in sg["rules"]:
                p = {"IpProtocol": proto}
                if proto != "-1":
                    p.update(FromPort=lo, ToPort=hi)
                if ":" in cidr:
                    p["Ipv6Ranges"] = [{"CidrIpv6": cidr}]
                else:
                    p["IpRanges"] = [{"CidrIp": cidr}]
                perms.append(p)
            if perms:
                ec2().authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
        t("security_groups", mk_sg, range(len(R["sgs"])))

        def mk_nat(nat):
            i = nat["vpc"]
            pub = [k for k in subnets_by_vpc[i] if R["subnets"][k]["public"]][0]
            alloc = ec2().allocate_address(Domain="vpc", TagSpecifications=self.tagspec(
                "elastic-ip", {"Name": nat["name"] + "-eip"}))["AllocationId"]
            ngw = ec2().create_nat_gateway(SubnetId=ids["subnet"][pub], AllocationId=alloc,
                                           TagSpecifications=self.tagspec("natgateway", {"Name": nat["name"]}))
            ec2().create_route(RouteTableId=ids["rt_priv"][i], DestinationCidrBlock="0.0.0.0/0",
                               NatGatewayId=ngw["NatGateway"]["NatGatewayId"])
        t("nat_gateways", mk_nat, R["nats"])

        def mk_fleet(fi):
            fl = R["fleets"][fi]
            tags = fl["tags"]
            out = ec2().run_instances(
                ImageId="ami-0123456789abcdef0", InstanceType=fl["type"],
                MinCount=fl["size"], MaxCount=fl["size"],
                SubnetId=ids["subnet"][fl["subnet"]],
                SecurityGroupIds=[ids["sg"][k] for k in fl["sgs"]],
                MetadataOptions={"HttpTokens": fl["imds"], "HttpEndpoint": "enabled"},
                BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {
                    "VolumeSize": 8, "VolumeType": "gp3", "DeleteOnTermination": True,
                    "Encrypted": fl["root_encrypted"]}}],
                TagSpecifications=self.tagspec("instance", tags) + self.tagspec("volume", tags))
            iids = [x["InstanceId"] for x in out["Instances"]]
            for m, iid in enumerate(iids):
                ids["inst"][(fi, m)] = iid
        t("instances", mk_fleet, range(len(R["fleets"])))

        def mk_vol(k):
            v = R["volumes"][k]
            az = v["az"]
            if v["attach"] is not None:
                az = R["subnets"][R["fleets"][v["attach"][0]]["subnet"]]["az"]
            extra = {"Iops": 3000} if v["type"] == "io1" else {}
            vid = ec2().create_volume(AvailabilityZone=az, Size=v["size"], VolumeType=v["type"],
                                      Encrypted=v["encrypted"], **extra,
                                      TagSpecifications=self.tagspec("volume", v["tags"]))["VolumeId"]
            ids["vol"][k] = vid
        t("volumes", mk_vol, range(len(R["volumes"])))

        dev_counter = collections.Counter()
        attach_jobs = []
        for k, v in enumerate(R["volumes"]):
            if v["attach"] is not None:
                key = tuple(v["attach"])
                dev = "/dev/sd" + "fghijklmnop"[dev_counter[key]]
                dev_counter[key] += 1
                attach_jobs.append((k, key, dev))

        def attach(job):
            k, key, dev = job
            ec2().attach_volume(VolumeId=ids["vol"][k], InstanceId=ids["inst"][key], Device=dev)
        t("volume_attach", attach, attach_jobs)

        def mk_eip(e):
            alloc = ec2().allocate_address(Domain="vpc", TagSpecifications=self.tagspec(
                "elastic-ip", e["tags"]))["AllocationId"]
            if e["assoc"] is not None:
                ec2().associate_address(AllocationId=alloc, InstanceId=ids["inst"][tuple(e["assoc"])])
        t("elastic_ips", mk_eip, R["eips"])

        def mk_lb(lb):
            elb = self.c("elbv2", region)
            vpc = lb["vpc"]
            pubs = [ids["subnet"][k] for k in subnets_by_vpc[vpc] if R["subnets"][k]["public"]]
            tg = elb.create_target_group(Name=lb["tg"], Protocol="HTTP", Port=80,
                                         VpcId=ids["vpc"][vpc], TargetType="instance")
            tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
            out = elb.create_load_balancer(
                Name=lb["name"], Subnets=pubs, Scheme="internet-facing", Type="application",
                SecurityGroups=[ids["sg"][k] for k in lb["sgs"]],
                Tags=[{"Key": k, "Value": v} for k, v in lb["tags"].items()])
            lb_arn = out["LoadBalancers"][0]["LoadBalancerArn"]
            elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=80,
                                DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}])
            if lb["targets"]:
                elb.register_targets(TargetGroupArn=tg_arn, Targets=[
                    {"Id": ids["inst"][tuple(x)], "Port": 80} for x in lb["targets"]])
        t("load_balancers", mk_lb, R["lbs"])

        # stop the planned-stopped instances (one call per chunk of 200)
        to_stop = [ids["inst"][(fi, m)] for fi, fl in enumerate(R["fleets"])
                   for m in range(fl["size"]) if fl["stopped"][m]]
        t("instance_stop", lambda ch: ec2().stop_instances(InstanceIds=ch),
          [to_stop[i:i + 200] for i in range(0, len(to_stop), 200)])
        return ids

    def seed_snapshots(self, region, R, ids, old, phase_times, label):
        def mk(s):
            self.c("ec2", region).create_snapshot(
                VolumeId=ids["vol"][s["volume"]], Description=s["name"],
                TagSpecifications=self.tagspec("snapshot", s["tags"]))
        t0 = time.perf_counter()
        self.pmap(mk, [s for s in R["snapshots"] if s["old"] == old])
        phase_times[label] += time.perf_counter() - t0

    def seed_buckets(self, plan, phase_times):
        from botocore.exceptions import ClientError  # noqa: F401

        def mk(b):
            s3 = self.c("s3", b["region"])
            kw = {}
            if b["region"] != "us-east-1":
                kw["CreateBucketConfiguration"] = {"LocationConstraint": b["region"]}
            s3.create_bucket(Bucket=b["name"], **kw)
            s3.put_bucket_tagging(Bucket=b["name"], Tagging={"TagSet": [
                {"Key": k, "Value": v} for k, v in b["tags"].items()]})
            if b["encryption"]:
                rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": b["encryption"]}}
                s3.put_bucket_encryption(Bucket=b["name"], ServerSideEncryptionConfiguration={
                    "Rules": [rule]})
            if b["versioning"]:
                s3.put_bucket_versioning(Bucket=b["name"], VersioningConfiguration={"Status": "Enabled"})
            if b["access"] in ("public-acl", "public-but-blocked"):
                s3.put_bucket_acl(Bucket=b["name"], ACL="public-read")
            if b["access"] == "public-policy":
                s3.put_bucket_policy(Bucket=b["name"], Policy=json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                                   "Action": "s3:GetObject",
                                   "Resource": f"arn:aws:s3:::{b['name']}/*"}]}))
            if b["access"] in ("private-pab", "public-but-blocked"):
                s3.put_public_access_block(Bucket=b["name"], PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True, "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        t0 = time.perf_counter()
        self.pmap(mk, plan["buckets"])
        phase_times["s3_buckets"] += time.perf_counter() - t0

    def seed_users(self, plan, phase_times):
        iam = lambda: self.c("iam")  # noqa: E731
        pol = iam().create_policy(PolicyName="gov-admin", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))["Policy"]["Arn"]

        def mk(u):
            iam().create_user(UserName=u["name"], Tags=[
                {"Key": k, "Value": v} for k, v in u["tags"].items()])
            if u["console"]:
                iam().create_login_profile(UserName=u["name"], Password="Corr3ct-Horse-Battery!")
            if u["mfa"]:
                sn = iam().create_virtual_mfa_device(VirtualMFADeviceName=u["name"] + "-mfa")[
                    "VirtualMFADevice"]["SerialNumber"]
                iam().enable_mfa_device(UserName=u["name"], SerialNumber=sn,
                                        AuthenticationCode1="123456", AuthenticationCode2="654321")
            if u["admin"]:
                iam().attach_user_policy(UserName=u["name"], PolicyArn=pol)
        t0 = time.perf_counter()
        self.pmap(mk, plan["users"])
        phase_times["iam_users"] += time.perf_counter() - t0

    def seed_keys(self, plan, old, phase_times, label):
        jobs = [(u["name"], k) for u in plan["users"] for k in u["keys"] if k["old"] == old]

        def mk(job):
            name, k = job
            key = self.c("iam").create_access_key(UserName=name)["AccessKey"]
            if not k["active"]:
                self.c("iam").update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"],
                                                Status="Inactive")
            return key["CreateDate"]
        t0 = time.perf_counter()
        dates = self.pmap(mk, jobs)
        phase_times[label] += time.perf_counter() - t0
        return dates


def cmd_seed(args):
    if args.out is None:
        home = os.environ.get("SKYWARDEN_EMU_HOME") or os.path.join(
            os.path.expanduser("~"), ".cache", "skywarden", "aws-emulator")
        os.makedirs(home, exist_ok=True)
        args.out = os.path.join(home, f"expected-{args.scale}-{args.seed}.json")
    regions = args.regions.split(",")
    plan = build_plan(args.seed, args.scale, regions)
    s = Seeder(args.endpoint, args.workers, args.time_file, account_id=args.account_id)
    t_all = time.perf_counter()
    phase_times = collections.Counter()
    if not args.no_reset:
        s.moto_reset()  # wipe all state so that re-seeding the same server works
    try:
        s.moto_seed(args.seed)
    except Exception as e:  # older moto or proxy in front: IDs just are not reproducible
        s.log("moto-api/seed failed:", e)
    s.set_time("+0")
    ids = {}
    for region in regions:
        s.log(f"seeding {region} ...")
        ids[region] = s.seed_region(region, plan["region"][region], phase_times)
        s.seed_snapshots(region, plan["region"][region], ids[region], False, phase_times, "snapshots")
    s.log("seeding S3 buckets and IAM users ...")
    s.seed_buckets(plan, phase_times)
    s.seed_users(plan, phase_times)
    s.seed_keys(plan, False, phase_times, "iam_access_keys")
    # Time travel: everything planted as old is created with the server clock moved back.
    time_travel = False
    if s.time_file:
        s.set_time(OLD_SNAPSHOT_SHIFT)
        for region in regions:
            s.seed_snapshots(region, plan["region"][region], ids[region], True, phase_times,
                             "snapshots_old")
        s.set_time(OLD_KEY_SHIFT)
        dates = s.seed_keys(plan, True, phase_times, "iam_access_keys_old")
        s.set_time("+0")
        now = dt.datetime.now(dt.timezone.utc)
        time_travel = bool(dates) and all(
            (now - d).days > AGE_THRESHOLD_DAYS for d in dates)
        if not dates:  # no old keys planned; trust the clock file
            time_travel = True
        if not time_travel:
            s.log("WARNING: time file given but the server clock did not move; "
                  "is moto running through moto_clock.py? old_* counts set to 0")
    else:
        for region in regions:
            s.seed_snapshots(region, plan["region"][region], ids[region], True, phase_times,
                             "snapshots_old")
        s.seed_keys(plan, True, phase_times, "iam_access_keys_old")
    wall = time.perf_counter() - t_all
    exp = expected_from_plan(plan, time_travel)
    exp["account_id"] = args.account_id or "123456789012"
    exp["seeding"] = {"wall_seconds": round(wall, 2), "workers": args.workers,
                      "api_calls": dict(s.calls), "api_calls_total": sum(s.calls.values()),
                      "phase_seconds": {k: round(v, 2) for k, v in phase_times.items()},
                      "ids_reproducible": args.workers == 1}
    write_json(args.out, exp)
    s.log(f"done: ~{exp['approx_resource_count']} resources, {sum(s.calls.values())} API calls, "
          f"{wall:.1f}s; expected -> {args.out}")
    print(json.dumps({"endpoint": args.endpoint, "expected": args.out,
                      "approx_resource_count": exp["approx_resource_count"],
                      "wall_seconds": round(wall, 2), "api_calls": sum(s.calls.values()),
                      "time_travel": time_travel}))


def cmd_plan(args):
    regions = args.regions.split(",")
    plan = build_plan(args.seed, args.scale, regions)
    exp = expected_from_plan(plan, not args.no_time_travel)
    write_json(args.out, exp)
    if args.out != "-":
        print(json.dumps({"expected": args.out, "approx_resource_count": exp["approx_resource_count"]}))


def write_json(path, obj):
    if path == "-":
        json.dump(obj, sys.stdout, indent=2, sort_keys=False)
        print()
        return
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")


# ------------------------------------------------------------------------ verify


def cmd_verify(args):
    """A small reference scanner: recompute every count from the API."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    with open(args.expected) as f:
        exp = json.load(f)
    regions = exp["regions"]
    sess = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"},
                 read_timeout=300)
    def cl(svc, r="us-east-1"):
        c = sess.client(svc, region_name=r, endpoint_url=args.endpoint, config=cfg)
        if args.account_id:
            add_account_header(c, args.account_id)
        return c
    now = dt.datetime.now(dt.timezone.utc)
    old = lambda d: (now - d).days > AGE_THRESHOLD_DAYS  # noqa: E731
    mine = lambda tags: any(t["Key"] == "Name" and t["Value"].startswith(NAME_PREFIX + "-") for t in (tags or []))  # noqa: E731
    tagd = lambda tags: {t["Key"]: t["Value"] for t in (tags or [])}  # noqa: E731
    t0 = time.perf_counter()
    got = {"per_region": {}, "global": {}}
    for region in regions:
        ec2 = cl("ec2", region)
        inv, prob, tagm = collections.Counter(), collections.Counter(), collections.Counter()
        pg = lambda op, key, **kw: [x for p in ec2.get_paginator(op).paginate(**kw) for x in p[key]]  # noqa: E731
        vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
        subnets = [s for s in ec2.describe_subnets()["Subnets"] if not s.get("DefaultForAz")]
        rts = ec2.describe_route_tables()["RouteTables"]
        igws = ec2.describe_internet_gateways()["InternetGateways"]
        nats = [n for n in ec2.describe_nat_gateways()["NatGateways"] if n.get("State") != "deleted"]
        sgs = [g for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"]
        reservations = pg("describe_instances", "Reservations")
        instances = [i for r in reservations for i in r["Instances"]]
        vols = ec2.describe_volumes()["Volumes"]
        snaps = [s for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
                 if (s.get("Description") or "").startswith(NAME_PREFIX + "-")]
        addrs = ec2.describe_addresses()["Addresses"]
        enis = ec2.describe_network_interfaces()["NetworkInterfaces"]
        vpc_ids = {v["VpcId"] for v in vpcs}
        rts_mine = [r for r in rts if r["VpcId"] in vpc_ids]
        inv["vpcs"] = len(vpcs)
        inv["subnets"] = sum(1 for s in subnets if s["VpcId"] in vpc_ids)
        # subnet -> route table (explicit association, else the VPC's main table)
        main_rt = {r["VpcId"]: r for r in rts for a in r.get("Associations", []) if a.get("Main")}
        sub_rt = {a["SubnetId"]: r for r in rts for a in r.get("Associations", []) if a.get("SubnetId")}
        igw_route = lambda r: any(rt.get("DestinationCidrBlock") == "0.0.0.0/0" and (rt.get("GatewayId") or "").startswith("igw-") for rt in r.get("Routes", []))  # noqa: E731
        public_subnets = {s["SubnetId"] for s in subnets if s["VpcId"] in vpc_ids
                          and igw_route(sub_rt.get(s["SubnetId"]) or main_rt.get(s["VpcId"], {}))}
        inv["subnets_public"] = len(public_subnets)
        inv["internet_gateways"] = sum(1 for g in igws if any(a["VpcId"] in vpc_ids for a in g.get("Attachments", [])))
        inv["nat_gateways"] = sum(1 for n in nats if n["VpcId"] in vpc_ids)
        inv["route_tables"] = len(rts_mine)
        inv["route_tables_with_igw_route"] = sum(1 for r in rts_mine if igw_route(r))
        inv["security_groups"] = sum(1 for g in sgs if g["VpcId"] in vpc_ids)
        inv["instances"] = len(instances)
        inv["instance_fleets"] = len(reservations)
        inv["volumes"] = len(vols)
        inv["volumes_data"] = sum(1 for v in vols if mine(v.get("Tags")) and not any(
            a.get("Device") == "/dev/xvda" for a in v.get("Attachments", [])))
        inv["snapshots"] = len(snaps)
        inv["elastic_ips"] = len(addrs)
        elb = cl("elbv2", region)
        lbs = [x for p in elb.get_paginator("describe_load_balancers").paginate() for x in p["LoadBalancers"]]
        tgs = [x for p in elb.get_paginator("describe_target_groups").paginate() for x in p["TargetGroups"]]
        inv["load_balancers"] = len(lbs)
        inv["target_groups"] = len(tgs)
        inv["network_interfaces"] = len(enis)

        def opens(g, port):
            for p in g.get("IpPermissions", []):
                world = any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges", [])) or any(
                    r.get("CidrIpv6") == "::/0" for r in p.get("Ipv6Ranges", []))
                if not world:
                    continue
                if p["IpProtocol"] == "-1":
                    return True
                if p["IpProtocol"] == "tcp" and p.get("FromPort", 0) <= port <= p.get("ToPort", 65535):
                    return True
            return False
        open_admin = {g["GroupId"] for g in sgs if opens(g, 22) or opens(g, 3389)}
        prob["sg_world_open_ssh"] = sum(1 for g in sgs if opens(g, 22))
        prob["sg_world_open_rdp"] = sum(1 for g in sgs if opens(g, 3389))
        prob["sg_world_open_all_traffic"] = sum(1 for g in sgs if any(
            p["IpProtocol"] == "-1" and (any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges", []))
                                         or any(r.get("CidrIpv6") == "::/0" for r in p.get("Ipv6Ranges", [])))
            for p in g.get("IpPermissions", [])))
        def all_ports_rule(p):
            world = any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges", [])) or any(
                r.get("CidrIpv6") == "::/0" for r in p.get("Ipv6Ranges", []))
            return world and (p["IpProtocol"] == "-1" or (p.get("FromPort") == 0 and p.get("ToPort") == 65535))

        def strip_all(g):
            return {"IpPermissions": [p for p in g.get("IpPermissions", []) if not all_ports_rule(p)]}
        prob["sg_world_open_all_ports"] = sum(1 for g in sgs if any(all_ports_rule(p) for p in g.get("IpPermissions", [])))
        prob["sg_world_open_ssh_port_rule"] = sum(1 for g in sgs if opens(strip_all(g), 22))
        prob["sg_world_open_rdp_port_rule"] = sum(1 for g in sgs if opens(strip_all(g), 3389))
        for i in instances:
            state = i["State"]["Name"]
            running = state == "running"
            prob["instance_imdsv1"] += i.get("MetadataOptions", {}).get("HttpTokens") == "optional"
            prob["instance_stopped"] += state == "stopped"
            pub = bool(i.get("PublicIpAddress"))
            prob["instance_public_ip"] += running and pub
            prob["instance_public_ip_any_state"] += pub and state != "terminated"
            prob["instance_exposed_admin_port"] += running and pub and i.get("SubnetId") in public_subnets and any(
                g["GroupId"] in open_admin for g in i.get("SecurityGroups", []))
        prob["volume_unattached"] = sum(1 for v in vols if v["State"] == "available")
        prob["volume_unencrypted"] = sum(1 for v in vols if not v.get("Encrypted"))
        prob["snapshot_older_than_90d"] = sum(1 for s in snaps if old(s["StartTime"]))
        prob["snapshot_unencrypted"] = sum(1 for s in snaps if not s.get("Encrypted"))
        prob["eip_unassociated"] = sum(1 for a in addrs if not a.get("AssociationId"))
        tg_targets = {}
        for tg in tgs:
            th = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
            tg_targets[tg["TargetGroupArn"]] = len(th)
        for lb in lbs:
            arns = [tg["TargetGroupArn"] for tg in tgs if lb["LoadBalancerArn"] in tg.get("LoadBalancerArns", [])]
            prob["lb_without_targets"] += sum(tg_targets[a] for a in arns) == 0
        lb_tags = {}
        arns = [lb["LoadBalancerArn"] for lb in lbs]
        for k in range(0, len(arns), 20):
            for d in elb.describe_tags(ResourceArns=arns[k:k + 20])["TagDescriptions"]:
                lb_tags[d["ResourceArn"]] = tagd(d.get("Tags"))
        miss = lambda tags: any(t not in tags for t in REQUIRED_TAGS)  # noqa: E731
        tagm["instances"] = sum(1 for i in instances if miss(tagd(i.get("Tags"))))
        tagm["volumes_data"] = sum(1 for v in vols if mine(v.get("Tags")) and "-vol-" in tagd(v["Tags"])["Name"] and miss(tagd(v["Tags"])))
        tagm["snapshots"] = sum(1 for s in snaps if miss(tagd(s.get("Tags"))))
        tagm["security_groups"] = sum(1 for g in sgs if g["VpcId"] in vpc_ids and miss(tagd(g.get("Tags"))))
        tagm["vpcs"] = sum(1 for v in vpcs if miss(tagd(v.get("Tags"))))
        tagm["subnets"] = sum(1 for s in subnets if s["VpcId"] in vpc_ids and miss(tagd(s.get("Tags"))))
        tagm["elastic_ips"] = sum(1 for a in addrs if mine(a.get("Tags")) and "-eip-" in tagd(a["Tags"])["Name"] and not tagd(a["Tags"])["Name"].endswith("-eip") and miss(tagd(a.get("Tags"))))
        tagm["load_balancers"] = sum(1 for a in arns if miss(lb_tags.get(a, {})))
        got["per_region"][region] = {"inventory": inv, "problems": prob, "missing_required_tags": tagm}
    # global
    s3 = cl("s3")
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(NAME_PREFIX + "-")]
    gp, gt = collections.Counter(), collections.Counter()

    def err(fn, **kw):
        try:
            return fn(**kw), None
        except ClientError as e:
            return None, e.response["Error"]["Code"]
    for b in buckets:
        acl, _ = err(s3.get_bucket_acl, Bucket=b)
        pol, _ = err(s3.get_bucket_policy, Bucket=b)
        pab, _ = err(s3.get_public_access_block, Bucket=b)
        enc, enc_err = err(s3.get_bucket_encryption, Bucket=b)
        ver, _ = err(s3.get_bucket_versioning, Bucket=b)
        tags, _ = err(s3.get_bucket_tagging, Bucket=b)
        public_acl = any(g["Grantee"].get("URI", "").endswith("/global/AllUsers") for g in (acl or {}).get("Grants", []))
        public_pol = False
        if pol:
            for st in json.loads(pol["Policy"]).get("Statement", []):
                if st.get("Effect") == "Allow" and st.get("Principal") in ("*", {"AWS": "*"}):
                    public_pol = True
        has_pab = pab is not None
        gp["s3_bucket_public"] += (public_acl or public_pol) and not has_pab
        gp["s3_bucket_public_acl"] += public_acl and not has_pab
        gp["s3_bucket_public_policy"] += public_pol and not has_pab
        gp["s3_bucket_acl_grants_all_users"] += public_acl
        gp["s3_bucket_no_public_access_block"] += not has_pab
        gp["s3_bucket_no_default_encryption"] += enc_err == "ServerSideEncryptionConfigurationNotFoundError"
        gp["s3_bucket_versioning_disabled"] += (ver or {}).get("Status") != "Enabled"
        gt["s3_buckets"] += any(t not in tagd((tags or {}).get("TagSet")) for t in REQUIRED_TAGS)
    iam = cl("iam")
    users = [u for p in iam.get_paginator("list_users").paginate() for u in p["Users"]
             if u["UserName"].startswith(NAME_PREFIX + "-")]
    n_keys = 0
    for u in users:
        name = u["UserName"]
        keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        n_keys += len(keys)
        active = [k for k in keys if k["Status"] == "Active"]
        n_old = sum(1 for k in active if old(k["CreateDate"]))
        gp["iam_access_key_older_than_90d"] += n_old
        gp["iam_user_with_active_key_older_than_90d"] += n_old > 0
        gp["iam_user_multiple_active_keys"] += len(active) > 1
        gp["iam_user_two_access_keys_any_status"] += len(keys) > 1
        lp, _ = err(iam.get_login_profile, UserName=name)
        mfa = iam.list_mfa_devices(UserName=name)["MFADevices"]
        gp["iam_user_console_without_mfa"] += lp is not None and not mfa
        pols = iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
        gp["iam_user_admin_policy_attached"] += any(p["PolicyName"] == "gov-admin" for p in pols)
        utags = tagd(iam.list_user_tags(UserName=name)["Tags"])
        gt["iam_users"] += any(t not in utags for t in REQUIRED_TAGS)
    _, pp_err = err(iam.get_account_password_policy)
    gp["iam_no_account_password_policy"] = int(pp_err == "NoSuchEntity")
    got["global"] = {"inventory": {"s3_buckets": len(buckets), "iam_users": len(users), "iam_access_keys": n_keys},
                     "problems": gp, "missing_required_tags": gt}
    scan_s = time.perf_counter() - t0
    # compare
    mismatches = []
    for region in regions:
        for sect in ("inventory", "problems", "missing_required_tags"):
            for k, v in exp["per_region"][region][sect].items():
                g = got["per_region"][region][sect].get(k, 0)
                if g != v:
                    mismatches.append((region, sect, k, v, g))
    for sect in ("inventory", "problems", "missing_required_tags"):
        for k, v in exp["global"][sect].items():
            g = got["global"][sect].get(k, 0)
            if g != v:
                mismatches.append(("global", sect, k, v, g))
    report = {"scan_seconds": round(scan_s, 2), "checked": sum(
        len(exp["per_region"][r][x]) for r in regions for x in ("inventory", "problems", "missing_required_tags"))
        + sum(len(exp["global"][x]) for x in ("inventory", "problems", "missing_required_tags")),
        "mismatches": [
        {"where": a, "section": b, "key": c, "expected": d, "got": e} for a, b, c, d, e in mismatches]}
    print(json.dumps(report, indent=2, default=str))
    return 1 if mismatches else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("plan", "seed"):
        p = sub.add_parser(name)
        p.add_argument("--scale", type=int, default=500, help="approximate number of resources (100..50000)")
        p.add_argument("--seed", type=int, default=42)
        p.add_argument("--regions", default=",".join(DEFAULT_REGIONS))
        p.add_argument("--out", default="expected.json" if name == "plan" else None,
                       help="where to write the ground truth ('-' = stdout); seed's default is "
                            "$SKYWARDEN_EMU_HOME (or ~/.cache/skywarden/aws-emulator)/expected-SCALE-SEED.json")
        if name == "seed":
            p.add_argument("--endpoint", default=DEFAULT_ENDPOINT)
            p.add_argument("--workers", type=int, default=8, help="parallel API calls (1 = reproducible IDs)")
            p.add_argument("--no-reset", action="store_true",
                           help="do not POST /moto-api/reset first (default: wipe the server's state)")
            p.add_argument("--account-id", default=None,
                           help="seed into this 12-digit account (x-moto-account-id header); use with --no-reset "
                                "to put several accounts on one server")
            p.add_argument("--time-file", default=os.environ.get("AWS_EMU_TIME_FILE"),
                           help="clock file of moto_clock.py (AWS_EMU_CLOCK_FILE of the server); enables old snapshots/keys")
        else:
            p.add_argument("--no-time-travel", action="store_true",
                           help="write old_* counts as 0 (server without a movable clock)")
    v = sub.add_parser("verify")
    v.add_argument("--endpoint", default=DEFAULT_ENDPOINT)
    v.add_argument("--expected", default=os.environ.get("SKYWARDEN_TEST_AWS_EXPECTED") or "expected.json")
    v.add_argument("--account-id", default=None, help="account to scan (x-moto-account-id header)")
    args = ap.parse_args()
    if args.cmd == "seed":
        if args.scale < 1:
            ap.error("--scale must be positive")
        cmd_seed(args)
    elif args.cmd == "plan":
        cmd_plan(args)
    else:
        sys.exit(cmd_verify(args))


if __name__ == "__main__":
    main()
