#!/usr/bin/env python3
"""Plant what seed.py does not for the EBS/AMI/launch-template/key-pair kinds, and write
their ground truth.

    python extra_ebs.py --endpoint URL --account-id 12DIGITS --regions a,b,c --seed N --out FILE

Run it AFTER seed.py on the same server and account (it makes some of seed.py's snapshots
public). Per region it plants, deterministically from --seed and the region name:

* key pairs `gov-<r>-key-NN` (rsa or ed25519), 1-3;
* AMIs `gov-<r>-ami-NN` (RegisterImage), 2-3, the first one public (launch permission group
  `all`). moto creates one 15 GiB unencrypted snapshot per AMI ("Auto-created snapshot for
  AMI ami-..."): those snapshots are counted below under `aws_ebs_snapshot` and
  `aws.ebs.snapshot_unencrypted`, on top of seed.py's `snapshots` / `snapshot_unencrypted`
  (which only count snapshots whose Description starts with `gov-`);
* launch templates `gov-<r>-lt-NN`: `optional` (IMDSv1, fires), `required` (passes), `unset`
  (no MetadataOptions: fires, EC2 launches with tokens optional), `fixed-later` (v1 optional
  is the default, v2 required is only the latest: fires) and `fixed` (v1 optional, v2 required
  and made the default: passes). Each references a seeded security group and the region's
  first planted AMI;
* public snapshots: 1-2 of seed.py's UNENCRYPTED snapshots (AWS refuses to share encrypted
  ones publicly) get createVolumePermission group `all`. seed.py's counts are unchanged;
* EBS encryption by default: enabled in the first region of --regions, left at moto's
  default (disabled) elsewhere.

Ground truth (`--out`, JSON): `inventory` counts only what this script planted
(`aws_ec2_ebs_encryption_default` is 1 per region: the synthetic per-region resource),
`problems` counts rule findings on what it planted or changed. moto creates no key pairs,
AMIs (the emulator runs with MOTO_EC2_LOAD_DEFAULT_AMIS=false) or launch templates of its own,
so a scanner's counts of those kinds equal these. The counts are read back from the server
after planting, restricted to the planted ids.

Needs boto3 only. Public-snapshot detection with DescribeSnapshots(RestorableByUserIds=all)
needs the emulator's moto_clock.py wrapper (stock moto ignores the parameter).
"""
import argparse
import json
import random
import sys

NAME_PREFIX = "gov"


def short(region: str) -> str:
    p = region.split("-")
    return p[0] + "".join(x[0] for x in p[1:-1]) + p[-1]


def client(endpoint, region, account_id):
    import boto3

    c = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        "ec2", region_name=region, endpoint_url=endpoint)
    if account_id:
        def _hdr(request, **_):
            request.headers["x-moto-account-id"] = account_id
        c.meta.events.register("before-send", _hdr)
    return c


def tags(kind, name):
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def plant_region(ec2, region, index, rng):
    rs = short(region)
    inv, prob = {}, {}

    # key pairs
    keys = rng.randint(1, 3)
    for k in range(keys):
        ec2.create_key_pair(KeyName=f"{NAME_PREFIX}-{rs}-key-{k:02d}",
                            KeyType=rng.choice(["rsa", "ed25519"]),
                            TagSpecifications=tags("key-pair", f"{NAME_PREFIX}-{rs}-key-{k:02d}"))
    inv["aws_ec2_key_pair"] = keys

    # AMIs (each makes moto create one unencrypted snapshot)
    amis = []
    for a in range(rng.randint(2, 3)):
        name = f"{NAME_PREFIX}-{rs}-ami-{a:02d}"
        ami = ec2.register_image(Name=name, RootDeviceName="/dev/xvda", Architecture="x86_64",
                                 VirtualizationType="hvm",
                                 BlockDeviceMappings=[{"DeviceName": "/dev/xvda",
                                                       "Ebs": {"VolumeSize": 8, "VolumeType": "gp3"}}],
                                 TagSpecifications=tags("image", name))["ImageId"]
        amis.append(ami)
    ec2.modify_image_attribute(ImageId=amis[0], LaunchPermission={"Add": [{"Group": "all"}]})
    images = ec2.describe_images(ImageIds=amis)["Images"]
    inv["aws_ec2_image"] = len(images)
    prob["aws.ec2.image_public"] = sum(1 for i in images if i.get("Public"))
    auto = [s for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
            if any(a in (s.get("Description") or "") for a in amis)]
    inv["aws_ebs_snapshot"] = len(auto)
    auto_unencrypted = sum(1 for s in auto if not s.get("Encrypted"))

    # launch templates
    sgs = sorted((g for g in ec2.describe_security_groups()["SecurityGroups"]
                  if g["GroupName"].startswith(NAME_PREFIX + "-")), key=lambda g: g["GroupName"])
    sg_ids = [sgs[0]["GroupId"]] if sgs else []

    def data(tokens):
        d = {"ImageId": amis[0], "InstanceType": "t3.micro", "SecurityGroupIds": sg_ids,
             "BlockDeviceMappings": [{"DeviceName": "/dev/xvda",
                                      "Ebs": {"VolumeSize": 8, "VolumeType": "gp3",
                                              "Encrypted": rng.random() < 0.5}}]}
        if tokens:
            d["MetadataOptions"] = {"HttpTokens": tokens, "HttpEndpoint": "enabled"}
        return d

    fires = 0
    for n, (label, v1, v2, default2, fire) in enumerate([
            ("optional", "optional", None, False, True),
            ("required", "required", None, False, False),
            ("unset", None, None, False, True),
            ("fixed-later", "optional", "required", False, True),
            ("fixed", "optional", "required", True, False)]):
        name = f"{NAME_PREFIX}-{rs}-lt-{n:02d}-{label}"
        lt = ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data(v1),
                                        TagSpecifications=tags("launch-template", name))
        lt_id = lt["LaunchTemplate"]["LaunchTemplateId"]
        if v2:
            ec2.create_launch_template_version(LaunchTemplateId=lt_id, LaunchTemplateData=data(v2))
            if default2:
                ec2.modify_launch_template(LaunchTemplateId=lt_id, DefaultVersion="2")
        fires += fire
    inv["aws_ec2_launch_template"] = 5
    prob["aws.ec2.launch_template_imdsv1"] = fires

    # public snapshots: some of seed.py's unencrypted ones
    seeded = sorted((s for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
                     if (s.get("Description") or "").startswith(NAME_PREFIX + "-")
                     and not s.get("Encrypted")), key=lambda s: s["Description"])
    public = seeded[:rng.randint(1, 2)]
    for s in public:
        ec2.modify_snapshot_attribute(SnapshotId=s["SnapshotId"], Attribute="createVolumePermission",
                                      OperationType="add", GroupNames=["all"])
    prob["aws.ebs.snapshot_public"] = len(public)
    # snapshot_unencrypted: only the AMI snapshots are new; seed.py counts the rest.
    prob["aws.ebs.snapshot_unencrypted"] = auto_unencrypted

    # EBS encryption by default
    if index == 0:
        ec2.enable_ebs_encryption_by_default()
    enabled = ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
    inv["aws_ec2_ebs_encryption_default"] = 1
    prob["aws.ebs.encryption_by_default_disabled"] = 0 if enabled else 1
    return inv, prob


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--account-id", default=None)
    ap.add_argument("--regions", default="us-east-1,eu-west-1,ap-southeast-2")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default="-")
    a = ap.parse_args(argv)
    regions = [r for r in a.regions.split(",") if r]
    truth = {"inventory": {}, "problems": {}}
    for i, region in enumerate(regions):
        rng = random.Random(f"{a.seed}:{region}:ebs")
        inv, prob = plant_region(client(a.endpoint, region, a.account_id), region, i, rng)
        for k, v in inv.items():
            truth["inventory"].setdefault(k, {})[region] = v
        for k, v in prob.items():
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
