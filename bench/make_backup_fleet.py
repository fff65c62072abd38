#!/usr/bin/env python3
"""Creates N instances tagged backup=nightly in the moto_server at URL, each with two data
volumes (/dev/sdf 100 GiB, /dev/sdg 20 GiB) and, per volume, NIGHTS earlier backups as rotor
makes them (tags rotor:backup-of, rotor:created one a day back, rotor:operation). Prints the
instance ids as JSON.
    make_backup_fleet.py URL N NIGHTS"""
import datetime
import json
import sys

import boto3


def main(url, n, nights):
    ec2 = boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    out = ec2.run_instances(ImageId=image, MinCount=n, MaxCount=n, InstanceType="t3.micro",
                            Placement={"AvailabilityZone": "us-east-1a"},
                            TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                {"Key": "backup", "Value": "nightly"}]}])
    ids = [i["InstanceId"] for i in out["Instances"]]
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    for k, iid in enumerate(ids):
        ec2.create_tags(Resources=[iid], Tags=[{"Key": "Name", "Value": f"db-{k:03d}"}])
        for device, size in (("/dev/sdf", 100), ("/dev/sdg", 20)):
            vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=size,
                                    VolumeType="gp3")["VolumeId"]
            ec2.attach_volume(VolumeId=vol, InstanceId=iid, Device=device)
            for night in range(nights, 0, -1):
                created = (now - datetime.timedelta(days=night)).strftime("%Y-%m-%dT%H:%M:%SZ")
                ec2.create_snapshot(VolumeId=vol, Description="rotor backup (earlier)",
                                    TagSpecifications=[{"ResourceType": "snapshot", "Tags": [
                                        {"Key": "rotor:backup-of", "Value": iid},
                                        {"Key": "rotor:created", "Value": created},
                                        {"Key": "rotor:operation",
                                         "Value": f"r-earlier-{night}"}]}])
    print(json.dumps(ids))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
