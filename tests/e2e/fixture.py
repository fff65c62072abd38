"""Builds the end-to-end fixture in moto with boto3.

- IAM user `rotor-e2e` with an allow-all policy and an access key (signature checking is
  switched on afterwards, so every later call must be signed with these keys);
- two AMIs, app-2026.09 (old) and app-2026.11 (new);
- stack `web-1`: a launch-template ASG ($Latest) behind an ALB target group; after the stack
  is created the template gets version 2 on the new AMI, so the members are out of date;
- stack `db-2`: a launch-configuration ASG behind a classic ELB.
"""
import json
import time

import boto3

REGION = "us-east-1"

WEB_TEMPLATE = {
    "Parameters": {"Ami": {"Type": "String"}, "Vpc": {"Type": "String"},
                   "Subnets": {"Type": "CommaDelimitedList"}},
    "Resources": {
        "LT": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
            "LaunchTemplateName": "web-1-lt",
            "LaunchTemplateData": {"ImageId": {"Ref": "Ami"}, "InstanceType": "t3.micro"}}},
        "TG": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {
            "Name": "web-1-tg", "Port": 80, "Protocol": "HTTP", "VpcId": {"Ref": "Vpc"}}},
        "ALB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {
            "Name": "web-1-alb", "Subnets": {"Ref": "Subnets"}}},
        "Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {
            "LoadBalancerArn": {"Ref": "ALB"}, "Port": 80, "Protocol": "HTTP",
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TG"}}]}},
        "AppServer": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
            "AutoScalingGroupName": "web-1-AppServer",
            "LaunchTemplate": {"LaunchTemplateId": {"Ref": "LT"}, "Version": "$Latest"},
            "MinSize": "2", "MaxSize": "4", "DesiredCapacity": "3",
            "AvailabilityZones": ["us-east-1a", "us-east-1b"],
            "TargetGroupARNs": [{"Ref": "TG"}]}},
    },
}

DB_TEMPLATE = {
    "Parameters": {"Ami": {"Type": "String"}},
    "Resources": {
        "LC": {"Type": "AWS::AutoScaling::LaunchConfiguration", "Properties": {
            "LaunchConfigurationName": "db-2-lc", "ImageId": {"Ref": "Ami"},
            "InstanceType": "t3.small"}},
        "ELB": {"Type": "AWS::ElasticLoadBalancing::LoadBalancer", "Properties": {
            "LoadBalancerName": "db-2-elb", "AvailabilityZones": ["us-east-1a", "us-east-1b"],
            "Listeners": [{"LoadBalancerPort": "80", "InstancePort": "80", "Protocol": "HTTP"}]}},
        "Db": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
            "AutoScalingGroupName": "db-2-Db",
            "LaunchConfigurationName": {"Ref": "LC"},
            "MinSize": "1", "MaxSize": "3", "DesiredCapacity": "2",
            "AvailabilityZones": ["us-east-1a", "us-east-1b"],
            "LoadBalancerNames": [{"Ref": "ELB"}]}},
    },
}

ALLOW_ALL = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _session(url, key="testing", secret="testing"):
    return boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret,
                                 region_name=REGION)


def _image(ec2, base_ami, name):
    inst = ec2.run_instances(ImageId=base_ami, MinCount=1, MaxCount=1)["Instances"][0]
    ami = ec2.create_image(InstanceId=inst["InstanceId"], Name=name)["ImageId"]
    ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
    return ami


def build(url):
    """Creates everything; returns the IAM keys and the AMI ids."""
    s = _session(url)
    iam = s.client("iam", endpoint_url=url)
    iam.create_user(UserName="rotor-e2e")
    arn = iam.create_policy(PolicyName="allow-all",
                            PolicyDocument=json.dumps(ALLOW_ALL))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="rotor-e2e", PolicyArn=arn)
    key = iam.create_access_key(UserName="rotor-e2e")["AccessKey"]

    ec2 = s.client("ec2", endpoint_url=url)
    base = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    old = _image(ec2, base, "app-2026.09")
    time.sleep(1.1)  # moto dates images to the second: keep "new" strictly newer
    new = _image(ec2, base, "app-2026.11")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    subnets = [ec2.describe_subnets(Filters=[
        {"Name": "vpc-id", "Values": [vpc]},
        {"Name": "availability-zone", "Values": [zone]}])["Subnets"][0]["SubnetId"]
        for zone in ("us-east-1a", "us-east-1b")]

    cfn = s.client("cloudformation", endpoint_url=url)
    cfn.create_stack(StackName="web-1", TemplateBody=json.dumps(WEB_TEMPLATE),
                     Parameters=[{"ParameterKey": "Ami", "ParameterValue": old},
                                 {"ParameterKey": "Vpc", "ParameterValue": vpc},
                                 {"ParameterKey": "Subnets", "ParameterValue": ",".join(subnets)}])
    cfn.create_stack(StackName="db-2", TemplateBody=json.dumps(DB_TEMPLATE),
                     Parameters=[{"ParameterKey": "Ami", "ParameterValue": new}])
    # A second group whose name shares the prefix "web" (for the ambiguous --limit case).
    s.client("autoscaling", endpoint_url=url).create_auto_scaling_group(
        AutoScalingGroupName="web-canary", LaunchConfigurationName="db-2-lc", MinSize=0,
        MaxSize=1, DesiredCapacity=0, AvailabilityZones=["us-east-1a"])
    # A role the e2e user may assume (for role_arn + source_profile).
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/rotor-e2e"},
        "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="rotor-deployer",
                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.attach_role_policy(RoleName="rotor-deployer", PolicyArn=arn)
    lt = ec2.describe_launch_templates(LaunchTemplateNames=["web-1-lt"])["LaunchTemplates"][0]
    ec2.create_launch_template_version(LaunchTemplateId=lt["LaunchTemplateId"],
                                       LaunchTemplateData={"ImageId": new,
                                                           "InstanceType": "t3.micro"})
    return {"key_id": key["AccessKeyId"], "secret": key["SecretAccessKey"],
            "old_ami": old, "new_ami": new, "role_arn": role}
