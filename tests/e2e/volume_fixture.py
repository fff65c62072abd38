#!/usr/bin/env python3
"""Builds the volumes fixture in the moto_server at URL with boto3 and prints it as JSON.
Used by the C++ volumes contract suite (tests/contract/volumes_contract_test.cc):
volume_fixture.py http://127.0.0.1:PORT

Exactly this, so that the simulator's twin (tests/testdata/volumes.yaml) can match it
(us-east-1):
- a VPC (10.30.0.0/16), a subnet 10.30.1.0/24 in us-east-1a and 10.30.2.0/24 in us-east-1b;
- every host t3.micro with an 8 GiB gp3 root at /dev/xvda (the simulator's default root);
- `db` (Name=db) in us-east-1a with two data volumes attached:
  /dev/sdf 100 GiB gp3 encrypted, tags role=data, Name=db-data;
  /dev/sdg 20 GiB gp3, tags role=logs;
- `db-new` (Name=db-new) in us-east-1a, no data volume;
- `far` (Name=far) in us-east-1b, no data volume.
"""
import json
import sys

import boto3

REGION = "us-east-1"
ROOT = [{"DeviceName": "/dev/xvda",
         "Ebs": {"VolumeSize": 8, "VolumeType": "gp3", "DeleteOnTermination": True}}]


def _client(url, service):
    return boto3.client(service, region_name=REGION, endpoint_url=url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _tags(resource, tags):
    return [{"ResourceType": resource,
             "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def _host(ec2, image, subnet, name):
    out = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                            SubnetId=subnet, BlockDeviceMappings=ROOT,
                            TagSpecifications=_tags("instance", {"Name": name}))
    return out["Instances"][0]["InstanceId"]


def _data_volume(ec2, instance, device, size, tags, encrypted=False):
    volume = ec2.create_volume(AvailabilityZone=REGION + "a", Size=size, VolumeType="gp3",
                               Encrypted=encrypted,
                               TagSpecifications=_tags("volume", tags))["VolumeId"]
    ec2.attach_volume(VolumeId=volume, InstanceId=instance, Device=device)
    return volume


def build(url):
    ec2 = _client(url, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = {zone: ec2.create_subnet(VpcId=vpc, CidrBlock=cidr,
                                       AvailabilityZone=REGION + zone)["Subnet"]["SubnetId"]
               for zone, cidr in (("a", "10.30.1.0/24"), ("b", "10.30.2.0/24"))}
    image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    db = _host(ec2, image, subnets["a"], "db")
    db_new = _host(ec2, image, subnets["a"], "db-new")
    far = _host(ec2, image, subnets["b"], "far")
    data = _data_volume(ec2, db, "/dev/sdf", 100, {"role": "data", "Name": "db-data"},
                        encrypted=True)
    logs = _data_volume(ec2, db, "/dev/sdg", 20, {"role": "logs"})
    return {"vpc": vpc, "subnets": subnets, "image": image,
            "hosts": {"db": db, "db-new": db_new, "far": far},
            "volumes": {"data": data, "logs": logs}}


if __name__ == "__main__":
    print(json.dumps(build(sys.argv[1])))
