"""What CloudFormation does after a stack change and moto leaves out, done the way AWS does it,
for the end-to-end tests (never a special case of rotor):

- a group whose launch template version is `!GetAtt LT.LatestVersionNumber` (or
  DefaultVersionNumber) is pointed at the version the update made;
- a launch configuration whose properties changed is replaced: AWS makes a new configuration
  (configurations are immutable) and points the group at it, where moto edits the old one in
  place;
- a change set that puts parameters back to the values the stack was created with has changes
  (moto compares them with the creation's values, not the current ones, and says "didn't
  contain changes"): it is shown as ready and executed as an update of the stack;
- the groups a stack creates carry the stack's tags (`aws:cloudformation:stack-name`,
  `aws:cloudformation:logical-id`), propagated to their instances, as AWS tags every resource
  it creates (moto tags neither), so `rotor images` and `upgrade --all-behind` find the stacks
  their instances belong to;
- a member of a launch template group is reported with the template version it was launched
  from (moto reports the template's default version for every member, so a group pointed at
  any other version would look out of date for ever): the newest version with the member's
  image and type, preferring the one the group launches now.

    emulation = CloudFormationEmulation(client_for)   # client_for("ec2") -> a boto3 client
    emulation.observe("web-9")                         # once, after the test created the stack
    emulation.install(proxy)
"""
import json
import re
import xml.etree.ElementTree as ET


class CloudFormationEmulation:
    def __init__(self, client_for):
        self.cfn = client_for("cloudformation")
        self.asg = client_for("autoscaling")
        self.ec2 = client_for("ec2")
        self.seen = {}      # configuration name -> its data as last seen
        self.replaced = 0

        self.misjudged = {}  # change set id -> the CreateChangeSet form moto misjudged

    def install(self, proxy):
        for action in ("ExecuteChangeSet", "CreateStack"):
            proxy.after(action, self.after_change)
        proxy.rewrite("CreateChangeSet", self.check_change_set)
        proxy.rewrite("DescribeChangeSet", self.show_change_set)
        proxy.intercept("ExecuteChangeSet", self.execute_misjudged)
        proxy.rewrite("DescribeAutoScalingGroups", self.member_versions)

    def after_change(self, form):
        stack = form.get("StackName", [""])[0]
        self.point_groups(stack)
        self.tag_groups(stack)

    @staticmethod
    def parameters(form):
        out, n = [], 1
        while f"Parameters.member.{n}.ParameterKey" in form:
            key = form[f"Parameters.member.{n}.ParameterKey"][0]
            if form.get(f"Parameters.member.{n}.UsePreviousValue", ["false"])[0] == "true":
                out.append({"ParameterKey": key, "UsePreviousValue": True})
            else:
                out.append({"ParameterKey": key,
                            "ParameterValue": form[f"Parameters.member.{n}.ParameterValue"][0]})
            n += 1
        return out

    def check_change_set(self, form, data):
        cid = re.search(rb"<Id>([^<]+)</Id>", data)
        stack = form.get("StackName", [""])[0]
        if not cid or "TemplateBody" in form:
            return data
        cid = cid.group(1).decode()
        d = self.cfn.describe_change_set(StackName=stack, ChangeSetName=cid)
        if d["Status"] != "FAILED" or "didn't contain changes" not in d.get("StatusReason", ""):
            return data
        now = {p["ParameterKey"]: p.get("ParameterValue") for p in
               self.cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Parameters", [])}
        wanted = {p["ParameterKey"]: p["ParameterValue"] for p in self.parameters(form)
                  if "ParameterValue" in p}
        if any(now.get(k) != v for k, v in wanted.items()):
            self.misjudged[cid] = form
        return data

    def member_versions(self, form, data):
        ns = {"a": "http://autoscaling.amazonaws.com/doc/2011-01-01/"}
        ET.register_namespace("", ns["a"])
        root = ET.fromstring(data)
        images = {}
        for group in root.iterfind(".//a:AutoScalingGroups/a:member", ns):
            lt = group.find("a:LaunchTemplate", ns)
            if lt is None:
                continue
            tid = lt.findtext("a:LaunchTemplateId", namespaces=ns)
            versions = self.ec2.describe_launch_template_versions(
                LaunchTemplateId=tid)["LaunchTemplateVersions"]
            group_version = lt.findtext("a:Version", namespaces=ns)
            for member in group.iterfind("a:Instances/a:member", ns):
                version = member.find("a:LaunchTemplate/a:Version", ns)
                if version is None:
                    continue
                iid = member.findtext("a:InstanceId", namespaces=ns)
                if iid not in images:
                    for r in self.ec2.describe_instances(InstanceIds=[iid])["Reservations"]:
                        for i in r["Instances"]:
                            images[iid] = (i["ImageId"], i["InstanceType"])
                fits = [str(v["VersionNumber"]) for v in versions
                        if (v["LaunchTemplateData"].get("ImageId"),
                            v["LaunchTemplateData"].get("InstanceType")) == images.get(iid)]
                if fits:
                    version.text = group_version if group_version in fits else max(fits, key=int)
        return ET.tostring(root, xml_declaration=True, encoding="utf-8")

    def show_change_set(self, form, data):
        if form.get("ChangeSetName", [""])[0] not in self.misjudged:
            return data
        text = data.decode()
        text = text.replace("<Status>FAILED</Status>", "<Status>CREATE_COMPLETE</Status>")
        text = text.replace("<ExecutionStatus>UNAVAILABLE</ExecutionStatus>",
                            "<ExecutionStatus>AVAILABLE</ExecutionStatus>")
        text = re.sub(r"<StatusReason>[^<]*</StatusReason>", "", text)
        return text.encode()

    def execute_misjudged(self, form):
        created = self.misjudged.pop(form.get("ChangeSetName", [""])[0], None)
        if created is None:
            return None
        stack = created["StackName"][0]
        self.cfn.update_stack(StackName=stack, UsePreviousTemplate=True,
                              Parameters=self.parameters(created))
        self.point_groups(stack)
        return b"<ExecuteChangeSetResponse><ExecuteChangeSetResult/></ExecuteChangeSetResponse>"

    def observe(self, stack):
        for _, lc in self.configurations(stack):
            self.seen[lc] = self.data(lc)
        self.tag_groups(stack)

    def tag_groups(self, stack):
        for group, _, ids in self.groups(stack):
            logical = next(k for k, v in ids.items() if v == group)
            tags = {"aws:cloudformation:stack-name": stack,
                    "aws:cloudformation:logical-id": logical}
            self.asg.create_or_update_tags(Tags=[
                {"ResourceId": group, "ResourceType": "auto-scaling-group", "Key": k,
                 "Value": v, "PropagateAtLaunch": True} for k, v in tags.items()])
            members = [i["InstanceId"] for i in self.asg.describe_auto_scaling_groups(
                AutoScalingGroupNames=[group])["AutoScalingGroups"][0]["Instances"]]
            if members:
                self.ec2.create_tags(Resources=members, Tags=[
                    {"Key": k, "Value": v} for k, v in tags.items()])

    def template(self, stack):
        body = self.cfn.get_template(StackName=stack)["TemplateBody"]
        return json.loads(body) if isinstance(body, str) else body

    def physical(self, stack):
        return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in
                self.cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]}

    def groups(self, stack):
        ids = self.physical(stack)
        for logical, res in self.template(stack)["Resources"].items():
            if res["Type"] == "AWS::AutoScaling::AutoScalingGroup":
                yield ids[logical], res.get("Properties", {}), ids

    def configurations(self, stack):
        for group, props, ids in self.groups(stack):
            ref = props.get("LaunchConfigurationName")
            if isinstance(ref, dict) and "Ref" in ref:
                yield group, ids[ref["Ref"]]

    def data(self, lc):
        c = self.asg.describe_launch_configurations(
            LaunchConfigurationNames=[lc])["LaunchConfigurations"][0]
        return {k: c[k] for k in ("ImageId", "InstanceType", "KeyName", "SecurityGroups")
                if c.get(k)}

    def point_groups(self, stack):
        for group, props, ids in self.groups(stack):
            lt = props.get("LaunchTemplate") or {}
            version = lt.get("Version")
            if isinstance(version, dict) and "Fn::GetAtt" in version:
                logical, attribute = version["Fn::GetAtt"]
                t = self.ec2.describe_launch_templates(
                    LaunchTemplateIds=[ids[logical]])["LaunchTemplates"][0]
                number = (t["LatestVersionNumber"] if attribute == "LatestVersionNumber"
                          else t["DefaultVersionNumber"])
                self.asg.update_auto_scaling_group(
                    AutoScalingGroupName=group,
                    LaunchTemplate={"LaunchTemplateId": t["LaunchTemplateId"],
                                    "Version": str(number)})
        for group, lc in self.configurations(stack):
            now = self.data(lc)
            if self.seen.get(lc) == now:
                continue
            self.seen[lc] = now
            self.replaced += 1
            name = f"{lc}-r{self.replaced}"
            self.asg.create_launch_configuration(LaunchConfigurationName=name, **now)
            self.asg.update_auto_scaling_group(AutoScalingGroupName=group,
                                               LaunchConfigurationName=name)
