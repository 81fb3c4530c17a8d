#!/usr/bin/env python3
"""Plant KMS keys, RDS DB instances, CloudTrail trails and Lambda functions, and write their
ground truth.

    python extra_services.py --endpoint URL --account-id 12DIGITS --regions a,b,c --seed N --out FILE

Run it AFTER seed.py on the same server and account (the trails log to one of seed.py's
buckets: a new bucket would change seed.py's S3 ground truth). Per region it plants,
deterministically from --seed and the region name (a fixed, small number, whatever seed.py's
--scale):

* KMS customer keys (description and alias `gov-<r>-kms-NN`), 3-4 enabled symmetric keys
  with rotation on or off (key 00 on, key 01 off, the rest random) and one more scheduled for
  deletion (`aws.kms.key_pending_deletion`; it is not counted by `key_rotation_disabled`);
* RDS DB instances `gov-<r>-db-NN`, 4-5: db-00 has every problem (public, unencrypted,
  backups off, no auto minor upgrade, single-AZ, no deletion protection), db-01 none
  (encrypted with the region's key 00, retention 7), the rest random (retention 0, 1 or 7);
* CloudTrail trails logging to the first `gov-` bucket of seed.py: in the FIRST region only,
  `gov-<r>-trail-org`, multi-region, logging, basic selector All management events, log file
  validation and KMS on. It makes `aws.cloudtrail.no_multi_region_trail` fire 0 times
  (ground truth `problems["aws.cloudtrail.no_multi_region_trail"]["global"] = 0`, read back:
  1 if no planted trail qualifies). In every region 1-3 single-region trails `gov-<r>-trail-NN`
  with log file validation, KMS, logging and selectors (basic All / ReadOnly, advanced
  write-only) random: single-region trails never satisfy CIS 3.1, whatever their selectors;
* Lambda functions `gov-<r>-fn-NN`, 4-5, python zip code built in memory, run by the IAM role
  `gov-lambda-exec` (trusts lambda.amazonaws.com, no policies: it changes none of seed.py's IAM
  ground-truth counts, and no rule fires on it): fn-00 python3.7 with a function URL of
  AuthType NONE, fn-01 python3.12 with an AWS_IAM URL, the rest random among deprecated
  (python3.7, nodejs14.x, python3.8) and current (python3.12, python3.13, java21) runtimes
  and URL NONE / AWS_IAM / none. DEPRECATED below must agree with Skywarden's table in
  rules/src/catalog/function_deprecated_runtime.rs (every date there is long past; every
  current runtime here is supported until 2028 or later).

Ground truth (`--out`, JSON), like extra_ebs.py: `inventory` counts per kind slug and region
what this script planted (home-region trails only: a multi-region trail is recorded once),
`problems` counts per rule id and region the findings on it, read back from the server after
planting and restricted to the planted ids (`gov-` names). moto creates no KMS keys, DB
instances, trails or functions of its own here (RDS instances are always given an explicit
key), so a scanner's counts of those kinds equal the inventory counts.

moto deviations met: every encrypted EBS volume or snapshot created without a key (seed.py's)
makes moto create a new CUSTOMER-managed, non-rotating KMS key "Default master key that
protects my EBS volumes when no other key is defined" (AWS: the single AWS-managed aws/ebs
key); those are not planted here and not counted (a scanner sees them: tests add them, by
that description, to aws_kms_key and aws.kms.key_rotation_disabled). A trail created without PutEventSelectors has no selectors at all (AWS:
a default basic selector recording all management events), so every planted trail gets its
selectors explicitly; trails start not logging until StartLogging, as in AWS.

Needs boto3 only.
"""
import argparse
import io
import json
import random
import sys
import zipfile

NAME_PREFIX = "gov"
ROLE_NAME = f"{NAME_PREFIX}-lambda-exec"
# Runtime -> AWS deprecation date (keep in step with function_deprecated_runtime.rs).
DEPRECATED = {"python3.7": "2023-12-04", "nodejs14.x": "2023-12-04", "python3.8": "2024-10-14"}
CURRENT = ["python3.12", "python3.13", "java21"]


def short(region: str) -> str:
    p = region.split("-")
    return p[0] + "".join(x[0] for x in p[1:-1]) + p[-1]


def client(endpoint, service, region, account_id):
    import boto3

    c = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        service, region_name=region, endpoint_url=endpoint)
    if account_id:
        def _hdr(request, **_):
            request.headers["x-moto-account-id"] = account_id
        c.meta.events.register("before-send", _hdr)
    return c


def code_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("index.py", date_time=(2020, 1, 1, 0, 0, 0))
        z.writestr(info, "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


def ensure_role(iam):
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        return iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust),
                               Description="Skywarden emulator: runs the planted Lambda functions")["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName=ROLE_NAME)["Role"]["Arn"]


def trail_bucket(s3):
    names = sorted(b["Name"] for b in s3.list_buckets().get("Buckets", []) if b["Name"].startswith(NAME_PREFIX + "-"))
    if not names:
        raise SystemExit("extra_services.py: no gov- bucket from seed.py to log trails to (run seed.py first)")
    return names[0]


def plant_kms(kms, rs, rng):
    keys = []
    for k in range(rng.randint(3, 4)):
        name = f"{NAME_PREFIX}-{rs}-kms-{k:02d}"
        meta = kms.create_key(Description=name, Tags=[{"TagKey": "Name", "TagValue": name}])["KeyMetadata"]
        kms.create_alias(AliasName=f"alias/{name}", TargetKeyId=meta["KeyId"])
        if k == 0 or (k > 1 and rng.random() < 0.5):
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        keys.append(meta)
    name = f"{NAME_PREFIX}-{rs}-kms-{len(keys):02d}-retired"
    doomed = kms.create_key(Description=name)["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/{name}", TargetKeyId=doomed["KeyId"])
    kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=30)
    return keys


def read_kms(kms):
    inv, rot_off, pending = 0, 0, 0
    for entry in kms.list_keys()["Keys"]:
        m = kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]
        if not (m.get("Description") or "").startswith(NAME_PREFIX + "-"):
            continue
        inv += 1
        if m["KeyState"] == "PendingDeletion":
            pending += 1
        elif (m["KeyState"] == "Enabled" and m.get("KeyManager") == "CUSTOMER"
              and m.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
              and not kms.get_key_rotation_status(KeyId=m["KeyId"])["KeyRotationEnabled"]):
            rot_off += 1
    return inv, {"aws.kms.key_rotation_disabled": rot_off, "aws.kms.key_pending_deletion": pending}


def plant_rds(rds, rs, rng, key_arn):
    for n in range(rng.randint(4, 5)):
        if n == 0:
            public, encrypted, backup, minor, multi, protect = True, False, 0, False, False, False
        elif n == 1:
            public, encrypted, backup, minor, multi, protect = False, True, 7, True, True, True
        else:
            public, encrypted = rng.random() < 0.3, rng.random() < 0.6
            backup, minor = rng.choice([0, 1, 7]), rng.random() < 0.6
            multi, protect = rng.random() < 0.4, rng.random() < 0.5
        kw = {"KmsKeyId": key_arn} if encrypted else {}
        rds.create_db_instance(
            DBInstanceIdentifier=f"{NAME_PREFIX}-{rs}-db-{n:02d}", Engine=rng.choice(["postgres", "mysql"]),
            DBInstanceClass="db.t3.micro", AllocatedStorage=20, MasterUsername="admin_user",
            MasterUserPassword="not-a-secret-1", PubliclyAccessible=public, StorageEncrypted=encrypted,
            BackupRetentionPeriod=backup, AutoMinorVersionUpgrade=minor, MultiAZ=multi,
            DeletionProtection=protect, Tags=[{"Key": "Name", "Value": f"{NAME_PREFIX}-{rs}-db-{n:02d}"}], **kw)


def read_rds(rds):
    dbs = [d for p in rds.get_paginator("describe_db_instances").paginate() for d in p["DBInstances"]
           if d["DBInstanceIdentifier"].startswith(NAME_PREFIX + "-")]
    count = lambda f: sum(1 for d in dbs if f(d))  # noqa: E731
    return len(dbs), {
        "aws.rds.instance_publicly_accessible": count(lambda d: d.get("PubliclyAccessible")),
        "aws.rds.instance_storage_unencrypted": count(lambda d: not d.get("StorageEncrypted")),
        "aws.rds.backup_retention_insufficient": count(lambda d: d.get("BackupRetentionPeriod", 0) < 7),
        "aws.rds.auto_minor_version_upgrade_disabled": count(lambda d: not d.get("AutoMinorVersionUpgrade")),
        "aws.rds.multi_az_disabled": count(lambda d: not d.get("MultiAZ")),
        "aws.rds.deletion_protection_disabled": count(lambda d: not d.get("DeletionProtection")),
    }


BASIC_ALL = {"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}]}
SELECTORS = [
    BASIC_ALL,
    {"EventSelectors": [{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}]},
    {"AdvancedEventSelectors": [{"Name": "writes", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]}, {"Field": "readOnly", "Equals": ["false"]}]}]},
]


def plant_trails(ct, rs, rng, index, bucket, key_arn):
    if index == 0:
        name = f"{NAME_PREFIX}-{rs}-trail-org"
        ct.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=True,
                        EnableLogFileValidation=True, KmsKeyId=key_arn)
        ct.put_event_selectors(TrailName=name, **BASIC_ALL)
        ct.start_logging(Name=name)
    for n in range(rng.randint(1, 3)):
        name = f"{NAME_PREFIX}-{rs}-trail-{n:02d}"
        kw = {"KmsKeyId": key_arn} if rng.random() < 0.5 else {}
        ct.create_trail(Name=name, S3BucketName=bucket, S3KeyPrefix=name, IsMultiRegionTrail=False,
                        EnableLogFileValidation=rng.random() < 0.5, **kw)
        ct.put_event_selectors(TrailName=name, **rng.choice(SELECTORS))
        if rng.random() < 0.7:
            ct.start_logging(Name=name)


def all_management(sel):
    basic = any(s.get("IncludeManagementEvents", True) and s.get("ReadWriteType", "All") == "All"
                and not s.get("ExcludeManagementEventSources") for s in sel.get("EventSelectors") or [])
    advanced = any(
        any(f["Field"] == "eventCategory" and f.get("Equals") == ["Management"] for f in s["FieldSelectors"])
        and all(f["Field"] == "eventCategory" for f in s["FieldSelectors"])
        for s in sel.get("AdvancedEventSelectors") or [])
    return basic or advanced


def read_trails(ct, region):
    trails = [t for t in ct.describe_trails(includeShadowTrails=False)["trailList"]
              if t["Name"].startswith(NAME_PREFIX + "-") and t.get("HomeRegion", region) == region]
    qualifying = sum(1 for t in trails if t.get("IsMultiRegionTrail")
                     and ct.get_trail_status(Name=t["TrailARN"])["IsLogging"]
                     and all_management(ct.get_event_selectors(TrailName=t["TrailARN"])))
    return len(trails), qualifying, {
        "aws.cloudtrail.trail_log_validation_disabled": sum(1 for t in trails if not t.get("LogFileValidationEnabled")),
        "aws.cloudtrail.trail_not_encrypted_with_kms": sum(1 for t in trails if not t.get("KmsKeyId")),
    }


def plant_functions(lam, rs, rng, role_arn, code):
    for n in range(rng.randint(4, 5)):
        if n == 0:
            runtime, url = "python3.7", "NONE"
        elif n == 1:
            runtime, url = "python3.12", "AWS_IAM"
        else:
            runtime = rng.choice(sorted(DEPRECATED) + CURRENT)
            url = rng.choice(["NONE", "AWS_IAM", None])
        name = f"{NAME_PREFIX}-{rs}-fn-{n:02d}"
        lam.create_function(FunctionName=name, Runtime=runtime, Role=role_arn, Handler="index.handler",
                            Code={"ZipFile": code}, Timeout=3, MemorySize=128,
                            Environment={"Variables": {"LOG_LEVEL": "info"}}, Tags={"Name": name})
        if url:
            lam.create_function_url_config(FunctionName=name, AuthType=url)


def read_functions(lam):
    fns = [f for p in lam.get_paginator("list_functions").paginate() for f in p["Functions"]
           if f["FunctionName"].startswith(NAME_PREFIX + "-")]
    public = 0
    for f in fns:
        try:
            public += lam.get_function_url_config(FunctionName=f["FunctionName"])["AuthType"] == "NONE"
        except lam.exceptions.ResourceNotFoundException:
            pass
    return len(fns), {
        "aws.lambda.function_deprecated_runtime": sum(1 for f in fns if f.get("Runtime") in DEPRECATED),
        "aws.lambda.function_public_url": public,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--account-id", default=None)
    ap.add_argument("--regions", default="us-east-1,eu-west-1,ap-southeast-2")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default="-")
    a = ap.parse_args(argv)
    regions = [r for r in a.regions.split(",") if r]
    c = lambda svc, region: client(a.endpoint, svc, region, a.account_id)  # noqa: E731
    role_arn = ensure_role(c("iam", regions[0]))
    bucket = trail_bucket(c("s3", regions[0]))
    code = code_zip()
    truth = {"inventory": {}, "problems": {}}
    qualifying = 0

    def put(section, key, region, v):
        truth[section].setdefault(key, {})[region] = v

    for i, region in enumerate(regions):
        rng = random.Random(f"{a.seed}:{region}:svc")
        rs = short(region)
        kms, rds, ct, lam = (c(s, region) for s in ("kms", "rds", "cloudtrail", "lambda"))
        keys = plant_kms(kms, rs, rng)
        key_arn = keys[0]["Arn"]
        plant_rds(rds, rs, rng, key_arn)
        plant_trails(ct, rs, rng, i, bucket, key_arn)
        plant_functions(lam, rs, rng, role_arn, code)

        n, prob = read_kms(kms)
        put("inventory", "aws_kms_key", region, n)
        n, more = read_rds(rds)
        put("inventory", "aws_rds_db_instance", region, n)
        prob.update(more)
        n, q, more = read_trails(ct, region)
        qualifying += q
        put("inventory", "aws_cloudtrail_trail", region, n)
        prob.update(more)
        n, more = read_functions(lam)
        put("inventory", "aws_lambda_function", region, n)
        prob.update(more)
        for k, v in prob.items():
            put("problems", k, region, v)
    put("problems", "aws.cloudtrail.no_multi_region_trail", "global", 0 if qualifying else 1)
    text = json.dumps(truth, indent=2, sort_keys=True) + "\n"
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
