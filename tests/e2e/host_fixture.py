#!/usr/bin/env python3
"""Builds the hosts fixture in the moto_server at URL with boto3 and prints it as JSON.
Used by the C++ hosts contract suite (tests/contract/hosts_contract_test.cc):
host_fixture.py http://127.0.0.1:PORT

Exactly this, so that the simulator's twin can match it (us-east-1):
- a VPC (10.20.0.0/16) and a subnet (10.20.1.0/24) in us-east-1a;
- image app-2026.11;
- `bastion`: tags Name=bastion, team=ops; key pair `ops`; t3.micro; in that subnet;
  termination protection on;
- two instances tagged Name=twin (same image, type and subnet);
- an elastic IP associated with bastion, and one not associated;
- public hosted zone example.org. with bastion.example.org. A 60 <bastion's EIP> and
  other.example.org. A 300 192.0.2.10.
"""
import json
import sys

import boto3

REGION = "us-east-1"


def _client(url, service):
    return boto3.client(service, region_name=REGION, endpoint_url=url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _image(ec2, subnet):
    base = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    inst = ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1,
                             SubnetId=subnet)["Instances"][0]["InstanceId"]
    image = ec2.create_image(InstanceId=inst, Name="app-2026.11")["ImageId"]
    ec2.terminate_instances(InstanceIds=[inst])
    return image


def _run(ec2, image, subnet, count, tags, **extra):
    spec = [{"ResourceType": "instance",
             "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    out = ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count,
                            InstanceType="t3.micro", SubnetId=subnet,
                            TagSpecifications=spec, **extra)
    return [i["InstanceId"] for i in out["Instances"]]


def _zone(url, bastion_ip):
    r53 = _client(url, "route53")
    zone = r53.create_hosted_zone(Name="example.org.", CallerReference="rotor-host-fixture")
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    changes = [("bastion.example.org.", 60, bastion_ip), ("other.example.org.", 300, "192.0.2.10")]
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {
            "Name": name, "Type": "A", "TTL": ttl, "ResourceRecords": [{"Value": value}]}}
        for name, ttl, value in changes]})
    return zone_id


def build(url):
    ec2 = _client(url, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24",
                               AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    image = _image(ec2, subnet)
    ec2.create_key_pair(KeyName="ops")
    bastion = _run(ec2, image, subnet, 1, {"Name": "bastion", "team": "ops"},
                   KeyName="ops", DisableApiTermination=True,
                   UserData="#cloud-config\nhostname: bastion\n")[0]
    # moto ignores RunInstances' DisableApiTermination (EC2 honours it): set it again.
    ec2.modify_instance_attribute(InstanceId=bastion, DisableApiTermination={"Value": True})
    twins = _run(ec2, image, subnet, 2, {"Name": "twin"})
    eip = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=eip["AllocationId"], InstanceId=bastion)
    spare = ec2.allocate_address(Domain="vpc")
    return {"vpc": vpc, "subnet": subnet, "image": image, "bastion": bastion, "twins": twins,
            "eip": {"allocation_id": eip["AllocationId"], "public_ip": eip["PublicIp"]},
            "spare_eip": {"allocation_id": spare["AllocationId"],
                          "public_ip": spare["PublicIp"]},
            "zone_id": _zone(url, eip["PublicIp"])}


if __name__ == "__main__":
    print(json.dumps(build(sys.argv[1])))
