#!/usr/bin/env python3
"""Make the emulator's default account the management account of an AWS Organization with
one member account, and print both ids as JSON.

    python org.py --endpoint URL [--member-name gov-member]

Idempotent: an existing organization and a member of that name are reused. moto gives a new
member a random 12-digit id; seed it afterwards with
`seed.py seed --no-reset --account-id <member>`. A scanner reaches the member with
`sts:AssumeRole` on `arn:aws:iam::<member>:role/<any name>` (moto does not check that the role
exists and maps the returned keys to that account), which is what Skywarden's `--org-role` does.

Needs boto3 only. Prints {"management": "...", "member": "...", "organization": "o-..."}.
"""
import argparse
import json
import os
import sys
import time


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", default=os.environ.get("SKYWARDEN_TEST_AWS_ENDPOINT")
                   or os.environ.get("AWS_ENDPOINT_URL") or "http://127.0.0.1:5000")
    p.add_argument("--member-name", default="gov-member")
    args = p.parse_args()

    import boto3
    from botocore.exceptions import ClientError

    org = boto3.client("organizations", region_name="us-east-1", endpoint_url=args.endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    try:
        o = org.describe_organization()["Organization"]
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "AWSOrganizationsNotInUseException":
            raise
        o = org.create_organization(FeatureSet="ALL")["Organization"]
    management = o["MasterAccountId"]

    member = None
    for page in org.get_paginator("list_accounts").paginate():
        for a in page["Accounts"]:
            if a.get("Name") == args.member_name:
                member = a["Id"]
    if member is None:
        status = org.create_account(Email=f"{args.member_name}@example.com",
                                    AccountName=args.member_name)["CreateAccountStatus"]
        for _ in range(50):
            if status.get("State") != "IN_PROGRESS":
                break
            time.sleep(0.2)
            status = org.describe_create_account_status(
                CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
        if status.get("State") != "SUCCEEDED" or not status.get("AccountId"):
            print(f"org.py: creating account {args.member_name} failed: {status}", file=sys.stderr)
            return 1
        member = status["AccountId"]
    print(json.dumps({"management": management, "member": member, "organization": o["Id"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
