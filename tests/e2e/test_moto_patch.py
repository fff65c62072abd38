#!/usr/bin/env python3
"""`rotor patch` on moto_server: a launch template group and a launch configuration group, each
with every field an operator sets (key, security groups, user data, block devices, profile,
metadata options, monitoring, tags), patched to the newest image; the new spec is compared field
by field with the old one through the AWS CLI, no instance is touched, and `rotor rollout
rollback` points each group back.

Run by ctest: python3 test_moto_patch.py --rotor PATH/TO/rotor
"""
import base64
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_moto_e2e as e2e  # noqa: E402

TAUPAGE = "#taupage-ami-config\nsource: registry/team/app:1.1\nports:\n  8080: 8080\n"


class Patch(e2e.RespawnFixture):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.state = os.path.join(tempfile.mkdtemp(prefix="rotor-e2e-patch-"), "journal.db")
        ec2 = cls.client_for("ec2")
        asg = cls.client_for("autoscaling")
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
        cls.sg = sg
        old = cls.fx["old_ami"]
        lt = ec2.create_launch_template(LaunchTemplateName="rich-lt", LaunchTemplateData={
            "ImageId": old, "InstanceType": "t3.micro", "KeyName": "ops",
            "SecurityGroupIds": [sg],
            "UserData": base64.b64encode(TAUPAGE.encode()).decode(),
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
                "VolumeSize": 20, "VolumeType": "gp3", "Encrypted": True}}],
            "IamInstanceProfile": {"Name": "app-profile"},
            "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2},
            "Monitoring": {"Enabled": True},
            "TagSpecifications": [{"ResourceType": "instance",
                                   "Tags": [{"Key": "team", "Value": "web"}]}]})
        cls.lt_id = lt["LaunchTemplate"]["LaunchTemplateId"]
        asg.create_auto_scaling_group(
            AutoScalingGroupName="rich-lt-App", MinSize=1, MaxSize=2, DesiredCapacity=1,
            LaunchTemplate={"LaunchTemplateId": cls.lt_id, "Version": "1"},
            AvailabilityZones=["us-east-1a"])
        asg.create_launch_configuration(
            LaunchConfigurationName="rich-lc", ImageId=old, InstanceType="t3.micro",
            KeyName="ops", SecurityGroups=[sg], UserData="#cloud-config\nsource: app:1\n",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvdb", "Ebs": {
                "VolumeSize": 50, "VolumeType": "gp3"}}],
            IamInstanceProfile="app-profile", InstanceMonitoring={"Enabled": True},
            EbsOptimized=True,
            MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 2})
        asg.create_auto_scaling_group(
            AutoScalingGroupName="rich-lc-App", MinSize=1, MaxSize=2, DesiredCapacity=1,
            LaunchConfigurationName="rich-lc", AvailabilityZones=["us-east-1a"])


    def patch(self, args, code=0):
        r = self.rotor(["--state", self.state] + args)
        self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        return r

    def operation(self, kind="patch"):
        r = self.rotor(["--state", self.state, "--output", "json", "rollout", "list", "--all"])
        self.assertEqual(r.returncode, 0, r.stderr)
        ops = [o for o in json.loads(r.stdout) if o["kind"] == kind]
        self.assertTrue(ops, r.stdout)
        return ops[0]["id"]  # newest first

    def members(self, group):
        return sorted(i["InstanceId"] for i in self.group(group)["Instances"])

    def versions(self):
        return {str(v["VersionNumber"]): v["LaunchTemplateData"] for v in self.aws([
            "ec2", "describe-launch-template-versions", "--launch-template-id",
            self.lt_id])["LaunchTemplateVersions"]}

    def test_a_template_group_gets_a_complete_new_version_and_rolls_back(self):
        before = self.members("rich-lt-App")
        self.patch(["patch", "--asg", "rich-lt-App", "--image", "latest",
                    "--user-data-set", "source=registry/team/app:1.2"])
        versions = self.versions()
        self.assertEqual(sorted(versions), ["1", "2"])
        old, new = dict(versions["1"]), dict(versions["2"])
        self.assertEqual(new.pop("ImageId"), self.fx["new_ami"])
        self.assertEqual(old.pop("ImageId"), self.fx["old_ami"])
        self.assertEqual(base64.b64decode(new.pop("UserData")).decode(),
                         TAUPAGE.replace("app:1.1", "app:1.2"))
        old.pop("UserData")
        self.assertEqual(new, old)  # every other field, as the AWS CLI sees it
        group = self.group("rich-lt-App")
        self.assertEqual(group["LaunchTemplate"]["Version"], "2")
        self.assertEqual(self.members("rich-lt-App"), before)  # no instance touched
        op = self.operation()
        r = self.patch(["rollout", "rollback", op])
        self.assertIn("rolled_back", r.stdout)
        self.assertEqual(self.group("rich-lt-App")["LaunchTemplate"]["Version"], "1")
        self.assertEqual(self.members("rich-lt-App"), before)

    def test_a_configuration_group_gets_a_complete_copy_and_rolls_back(self):
        before = self.members("rich-lc-App")
        self.patch(["patch", "--asg", "rich-lc-App", "--image", "latest",
                    "--instance-type", "m5.large"])
        name = self.group("rich-lc-App")["LaunchConfigurationName"]
        self.assertRegex(name, r"^rich-lc-App-\d{8}T\d{6}$")
        configs = {c["LaunchConfigurationName"]: c for c in self.aws([
            "autoscaling", "describe-launch-configurations", "--launch-configuration-names",
            "rich-lc", name])["LaunchConfigurations"]}
        old, new = dict(configs["rich-lc"]), dict(configs[name])
        for c in (old, new):
            for k in ("LaunchConfigurationName", "LaunchConfigurationARN", "CreatedTime"):
                c.pop(k, None)
        self.assertEqual(new.pop("ImageId"), self.fx["new_ami"])
        self.assertEqual(new.pop("InstanceType"), "m5.large")
        old.pop("ImageId"), old.pop("InstanceType")
        self.assertEqual(new, old)  # key, groups, user data, devices, profile, options
        self.assertEqual(self.members("rich-lc-App"), before)
        op = self.operation()
        self.patch(["rollout", "rollback", op])
        self.assertEqual(self.group("rich-lc-App")["LaunchConfigurationName"], "rich-lc")
        self.assertIn(name, [c["LaunchConfigurationName"] for c in self.aws([
            "autoscaling", "describe-launch-configurations"])["LaunchConfigurations"]])

    def test_a_dry_run_and_a_refusal_change_nothing(self):
        versions = self.versions()
        r = self.patch(["--dry-run", "patch", "--asg", "rich-lt-App", "--image", "latest"])
        self.assertIn("ImageId:", r.stdout)
        r = self.patch(["patch", "--asg", "rich-lc-App", "--user-data-set", "a.b=1",
                        "--user-data-set", "source.x=2"], code=2)
        self.assertRegex(r.stderr, r"rich-lc-App.*source is not a map|source is not a map")
        self.assertEqual(self.versions(), versions)


if __name__ == "__main__":
    sys.exit(e2e.run_tests())
