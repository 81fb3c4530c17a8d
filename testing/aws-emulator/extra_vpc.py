#!/usr/bin/env python3
"""Plant VPC endpoints, flow logs and VPC peering connections that seed.py does not, and write
the ground truth of the VPC rules.

    python extra_vpc.py --endpoint URL [--account-id 12DIGITS] --regions a,b,c --seed N --out FILE

Run it AFTER seed.py on the same server and account. It changes none of seed.py's counts
(no new VPC, subnet, route table, security group, instance, ENI, EIP or NAT gateway). Per
region (region index i, seeded VPC index j, in name order):

* flow logs: a VPC-level flow log (traffic ALL, to seed.py's first S3 bucket) on every seeded
  VPC with (i + j) even; a subnet-level flow log (REJECT, to a CloudWatch Logs group that does
  not exist: moto reports DeliverLogsStatus FAILED) on the first private subnet of the first
  seeded VPC. Only VPC-level ACTIVE flow logs clear `aws.ec2.vpc_flow_logs_disabled`;
* VPC endpoints in the first seeded VPC: a Gateway endpoint for S3 on its `-rt-private` route
  table (moto adds the prefix-list route `pl-... -> vpce-...`), and an Interface endpoint for
  SSM with the VPC's first seeded security group and NO subnet (so moto creates no network
  interface and seed.py's `network_interfaces` stays exact; AWS wants a subnet for interface
  endpoints);
* one accepted peering connection between the first seeded VPC and moto's default VPC
  (172.31.0.0/16), with the route `172.31.0.0/16 -> pcx` in the seeded private table (exactly
  the peer: passes) and `10.0.0.0/8 -> pcx` in the default VPC's main table (wider than the
  peer's 10.x.0.0/16: fires `aws.ec2.vpc_peering_routes_too_broad`).

Ground truth (`--out`, JSON, layout of extra_ebs.py): `inventory` counts what this script
planted by kind slug; `problems` counts findings by rule id for the rules below over the WHOLE
region (moto's default VPC, its `default` security groups and default NACLs included), computed
by an independent boto3 reference implementation of each rule's documented definition after
planting:

* aws.ec2.vpc_flow_logs_disabled: VPCs (all) without an ACTIVE flow log whose resource is the VPC;
* aws.ec2.default_security_group_allows_traffic: `default` groups with any ingress or egress rule;
* aws.ec2.network_acl_allows_admin_ports_from_world: NACLs that are default or associated with a
  subnet whose inbound entries, by rule number, first match TCP 22 or 3389 from 0.0.0.0/0 or ::/0
  with an allow;
* aws.ec2.nat_gateway_without_private_workloads: available NAT gateways none of whose served
  subnets (effective route table has an active route to it) holds a non-terminated instance or
  an in-use ENI that is not NAT/endpoint plumbing;
* aws.ec2.vpc_peering_routes_too_broad: (route table, peering connection) pairs with an active
  route wider than every CIDR of the peer VPC.

Needs boto3 only.
"""
import argparse
import ipaddress
import json
import random
import sys

NAME_PREFIX = "gov"


def session_client(endpoint, region, account_id, service="ec2"):
    import boto3

    c = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        service, region_name=region, endpoint_url=endpoint)
    if account_id:
        def _hdr(request, **_):
            request.headers["x-moto-account-id"] = account_id
        c.meta.events.register("before-send", _hdr)
    return c


def name_of(x):
    return next((t["Value"] for t in x.get("Tags") or [] if t["Key"] == "Name"), "")


def tagspec(kind, name):
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def plant_region(ec2, region, index, bucket, rng):
    del rng  # everything below is fixed by names and indexes
    inv = {"aws_ec2_flow_log": 0, "aws_ec2_vpc_endpoint": 0, "aws_ec2_vpc_peering_connection": 0}
    vpcs = sorted((v for v in ec2.describe_vpcs()["Vpcs"] if name_of(v).startswith(NAME_PREFIX + "-")),
                  key=name_of)
    if not vpcs:
        return inv
    default_vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault"))
    subnets = ec2.describe_subnets()["Subnets"]
    rts = ec2.describe_route_tables()["RouteTables"]
    sgs = ec2.describe_security_groups()["SecurityGroups"]
    first = vpcs[0]
    # flow logs
    for j, v in enumerate(vpcs):
        if (index + j) % 2 == 0 and bucket:
            out = ec2.create_flow_logs(ResourceType="VPC", ResourceIds=[v["VpcId"]], TrafficType="ALL",
                                       LogDestinationType="s3", LogDestination=f"arn:aws:s3:::{bucket}",
                                       TagSpecifications=tagspec("vpc-flow-log", name_of(v) + "-flow"))
            inv["aws_ec2_flow_log"] += len(out["FlowLogIds"])
    priv = sorted((s for s in subnets if s["VpcId"] == first["VpcId"] and "-priv-" in name_of(s)), key=name_of)
    if priv:
        out = ec2.create_flow_logs(ResourceType="Subnet", ResourceIds=[priv[0]["SubnetId"]], TrafficType="REJECT",
                                   LogGroupName=f"{NAME_PREFIX}-missing-log-group",
                                   DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/gov-flow-logs",
                                   TagSpecifications=tagspec("vpc-flow-log", name_of(priv[0]) + "-flow"))
        inv["aws_ec2_flow_log"] += len(out["FlowLogIds"])
    # endpoints
    private_rt = next((r for r in rts if name_of(r) == name_of(first) + "-rt-private"), None)
    ec2.create_vpc_endpoint(VpcId=first["VpcId"], VpcEndpointType="Gateway",
                            ServiceName=f"com.amazonaws.{region}.s3",
                            RouteTableIds=[private_rt["RouteTableId"]] if private_rt else [],
                            TagSpecifications=tagspec("vpc-endpoint", name_of(first) + "-vpce-s3"))
    group = sorted((g for g in sgs if g["VpcId"] == first["VpcId"] and g["GroupName"] != "default"),
                   key=lambda g: g["GroupName"])
    ec2.create_vpc_endpoint(VpcId=first["VpcId"], VpcEndpointType="Interface",
                            ServiceName=f"com.amazonaws.{region}.ssm",
                            SecurityGroupIds=[g["GroupId"] for g in group[:1]],
                            TagSpecifications=tagspec("vpc-endpoint", name_of(first) + "-vpce-ssm"))
    inv["aws_ec2_vpc_endpoint"] = 2
    # peering with the default VPC
    pcx = ec2.create_vpc_peering_connection(
        VpcId=first["VpcId"], PeerVpcId=default_vpc["VpcId"],
        TagSpecifications=tagspec("vpc-peering-connection", name_of(first) + "-pcx-default"),
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    inv["aws_ec2_vpc_peering_connection"] = 1
    if private_rt:
        ec2.create_route(RouteTableId=private_rt["RouteTableId"], DestinationCidrBlock=default_vpc["CidrBlock"],
                         VpcPeeringConnectionId=pcx)
    default_main = next(r for r in rts if r["VpcId"] == default_vpc["VpcId"]
                        and any(a.get("Main") for a in r.get("Associations", [])))
    ec2.create_route(RouteTableId=default_main["RouteTableId"], DestinationCidrBlock="10.0.0.0/8",
                     VpcPeeringConnectionId=pcx)
    return inv


# --------------------------------------------------------------------- reference rules


def acl_opens(acl, port):
    entries = sorted((e for e in acl.get("Entries", []) if not e.get("Egress")), key=lambda e: e["RuleNumber"])
    for world, key in (("0.0.0.0/0", "CidrBlock"), ("::/0", "Ipv6CidrBlock")):
        for e in entries:
            if e.get(key) != world:
                continue
            proto = str(e.get("Protocol"))
            pr = e.get("PortRange")
            covers = proto == "-1" or (proto in ("6", "tcp") and (pr is None or pr["From"] <= port <= pr["To"]))
            if covers:
                if e.get("RuleAction") == "allow":
                    return True
                break
    return False


def problems_of_region(ec2):
    prob = {}
    vpcs = ec2.describe_vpcs()["Vpcs"]
    fls = ec2.describe_flow_logs()["FlowLogs"]
    logged = {f["ResourceId"] for f in fls if f.get("FlowLogStatus") == "ACTIVE"}
    prob["aws.ec2.vpc_flow_logs_disabled"] = sum(1 for v in vpcs if v["VpcId"] not in logged)
    sgs = ec2.describe_security_groups()["SecurityGroups"]
    prob["aws.ec2.default_security_group_allows_traffic"] = sum(
        1 for g in sgs if g["GroupName"] == "default" and (g.get("IpPermissions") or g.get("IpPermissionsEgress")))
    acls = ec2.describe_network_acls()["NetworkAcls"]
    prob["aws.ec2.network_acl_allows_admin_ports_from_world"] = sum(
        1 for a in acls if (a.get("IsDefault") or any(x.get("SubnetId") for x in a.get("Associations", [])))
        and (acl_opens(a, 22) or acl_opens(a, 3389)))
    # NAT gateways
    rts = ec2.describe_route_tables()["RouteTables"]
    subnets = ec2.describe_subnets()["Subnets"]
    main_rt = {r["VpcId"]: r for r in rts for a in r.get("Associations", []) if a.get("Main")}
    sub_rt = {a["SubnetId"]: r for r in rts for a in r.get("Associations", []) if a.get("SubnetId")}
    effective = {s["SubnetId"]: (sub_rt.get(s["SubnetId"]) or main_rt.get(s["VpcId"]) or {}).get("RouteTableId")
                 for s in subnets}
    nats = ec2.describe_nat_gateways()["NatGateways"]
    eps = ec2.describe_vpc_endpoints()["VpcEndpoints"]
    plumbing = {a.get("NetworkInterfaceId") for n in nats for a in n.get("NatGatewayAddresses", [])}
    plumbing |= {e for ep in eps for e in ep.get("NetworkInterfaceIds", [])}
    service = {"nat_gateway", "natGateway", "vpc_endpoint", "gateway_load_balancer_endpoint",
               "network_load_balancer", "gateway_load_balancer", "transit_gateway"}
    busy = set()
    for r in ec2.describe_instances()["Reservations"]:
        for i in r["Instances"]:
            if i["State"]["Name"] not in ("terminated", "shutting-down") and i.get("SubnetId"):
                busy.add(i["SubnetId"])
    for e in ec2.describe_network_interfaces()["NetworkInterfaces"]:
        if e.get("Status") != "available" and e.get("InterfaceType") not in service \
                and e["NetworkInterfaceId"] not in plumbing and e.get("SubnetId"):
            busy.add(e["SubnetId"])
    idle = 0
    for n in nats:
        if n.get("State") != "available":
            continue
        tables = {r["RouteTableId"] for r in rts for rt in r.get("Routes", [])
                  if rt.get("NatGatewayId") == n["NatGatewayId"] and rt.get("State", "active") == "active"}
        served = [s for s, t in effective.items() if t in tables]
        idle += not any(s in busy for s in served)
    prob["aws.ec2.nat_gateway_without_private_workloads"] = idle
    # peering routes
    pcxs = {p["VpcPeeringConnectionId"]: p for p in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]}
    broad = 0
    for r in rts:
        hits = set()
        for rt in r.get("Routes", []):
            p = pcxs.get(rt.get("VpcPeeringConnectionId") or "")
            dest = rt.get("DestinationCidrBlock")
            if not p or not dest or rt.get("State", "active") != "active":
                continue
            req, acc = p["RequesterVpcInfo"], p["AccepterVpcInfo"]
            peer = acc if req.get("VpcId") == r["VpcId"] else req if acc.get("VpcId") == r["VpcId"] else None
            if peer is None:
                continue
            blocks = {peer.get("CidrBlock")} | {c["CidrBlock"] for c in peer.get("CidrBlockSet", [])}
            blocks.discard(None)
            d = ipaddress.ip_network(dest)
            if blocks and not any(d.subnet_of(ipaddress.ip_network(b)) for b in blocks):
                hits.add(p["VpcPeeringConnectionId"])
        broad += len(hits)
    prob["aws.ec2.vpc_peering_routes_too_broad"] = broad
    return prob


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--account-id", default=None)
    ap.add_argument("--regions", default="us-east-1,eu-west-1,ap-southeast-2")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default="-")
    a = ap.parse_args(argv)
    regions = [r for r in a.regions.split(",") if r]
    s3 = session_client(a.endpoint, "us-east-1", a.account_id, "s3")
    buckets = sorted(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(NAME_PREFIX + "-"))
    bucket = buckets[0] if buckets else None
    truth = {"inventory": {}, "problems": {}}
    for i, region in enumerate(regions):
        ec2 = session_client(a.endpoint, region, a.account_id)
        inv = plant_region(ec2, region, i, bucket, random.Random(f"{a.seed}:{region}:vpc"))
        for k, v in inv.items():
            truth["inventory"].setdefault(k, {})[region] = v
        for k, v in problems_of_region(ec2).items():
            truth["problems"].setdefault(k, {})[region] = v
    text = json.dumps(truth, indent=2, sort_keys=True) + "\n"
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
