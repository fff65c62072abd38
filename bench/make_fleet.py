#!/usr/bin/env python3
"""Creates GROUPS Auto Scaling groups of SIZE instances, each on its own launch template and
behind its own ALB target group, in the moto_server at URL. Prints the group names as JSON.
    make_fleet.py URL GROUPS SIZE [--respawn]
With --respawn the target groups are attached to an ALB (one listener each) and every template
gets a version 2 on another image, so that every member is out of date."""
import json
import sys

import boto3


def main(url, groups, size, respawn):
    s = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                              region_name="us-east-1")
    ec2 = s.client("ec2", endpoint_url=url)
    asg = s.client("autoscaling", endpoint_url=url)
    elbv2 = s.client("elbv2", endpoint_url=url)
    images = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"]
    ami, new_ami = images[0]["ImageId"], images[1]["ImageId"]
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    zones = ["us-east-1a", "us-east-1b"]
    alb = None
    if respawn:
        subnets = [ec2.describe_subnets(Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "availability-zone", "Values": [z]}])["Subnets"][0]["SubnetId"] for z in zones]
        alb = elbv2.create_load_balancer(Name="fleet-alb", Subnets=subnets)[
            "LoadBalancers"][0]["LoadBalancerArn"]
    names = []
    for g in range(groups):
        name = f"fleet-{g:03}"
        lt = ec2.create_launch_template(LaunchTemplateName=name + "-lt", LaunchTemplateData={
            "ImageId": ami, "InstanceType": "t3.micro"})["LaunchTemplate"]["LaunchTemplateId"]
        tg = elbv2.create_target_group(Name=name + "-tg", Protocol="HTTP", Port=80,
                                       VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
        if alb:
            elbv2.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=8000 + g,
                                  DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        asg.create_auto_scaling_group(
            AutoScalingGroupName=name, MinSize=size, MaxSize=size, DesiredCapacity=size,
            LaunchTemplate={"LaunchTemplateId": lt, "Version": "$Latest"},
            AvailabilityZones=zones, TargetGroupARNs=[tg])
        if respawn:
            ec2.create_launch_template_version(LaunchTemplateId=lt, LaunchTemplateData={
                "ImageId": new_ami, "InstanceType": "t3.micro"})
        names.append(name)
    print(json.dumps(names))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), "--respawn" in sys.argv[4:])
