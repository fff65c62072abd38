#!/usr/bin/env python3
"""Creates GROUPS Auto Scaling groups of SIZE instances, each on its own launch template and
behind its own ALB target group, in the moto_server at URL. Prints the group names as JSON.
    make_fleet.py URL GROUPS SIZE"""
import json
import sys

import boto3


def main(url, groups, size):
    s = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                              region_name="us-east-1")
    ec2 = s.client("ec2", endpoint_url=url)
    asg = s.client("autoscaling", endpoint_url=url)
    elbv2 = s.client("elbv2", endpoint_url=url)
    ami = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    names = []
    for g in range(groups):
        name = f"fleet-{g:03}"
        lt = ec2.create_launch_template(LaunchTemplateName=name + "-lt", LaunchTemplateData={
            "ImageId": ami, "InstanceType": "t3.micro"})["LaunchTemplate"]["LaunchTemplateId"]
        tg = elbv2.create_target_group(Name=name + "-tg", Protocol="HTTP", Port=80,
                                       VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
        asg.create_auto_scaling_group(
            AutoScalingGroupName=name, MinSize=size, MaxSize=size, DesiredCapacity=size,
            LaunchTemplate={"LaunchTemplateId": lt, "Version": "$Latest"},
            AvailabilityZones=["us-east-1a", "us-east-1b"], TargetGroupARNs=[tg])
        names.append(name)
    print(json.dumps(names))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
