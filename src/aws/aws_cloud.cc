#include "aws/aws_cloud.h"

namespace rotor::aws {

core::Result<std::unique_ptr<AwsCloud>> AwsCloud::Create(ClientContext& context) {
  ASSIGN_OR_RETURN(AwsClient ec2, AwsClient::Create(kEc2, context));
  ASSIGN_OR_RETURN(AwsClient asg, AwsClient::Create(kAutoScaling, context));
  ASSIGN_OR_RETURN(AwsClient elb, AwsClient::Create(kElb, context));
  ASSIGN_OR_RETURN(AwsClient elbv2, AwsClient::Create(kElbV2, context));
  ASSIGN_OR_RETURN(AwsClient cfn, AwsClient::Create(kCloudFormation, context));
  ASSIGN_OR_RETURN(AwsClient quotas, AwsClient::Create(kServiceQuotas, context));
  ASSIGN_OR_RETURN(AwsClient route53, AwsClient::Create(kRoute53, context));
  return std::unique_ptr<AwsCloud>(
      new AwsCloud({std::move(ec2), std::move(asg), std::move(elb), std::move(elbv2),
                    std::move(cfn), std::move(quotas), std::move(route53)}));
}

AwsCloud::AwsCloud(AwsClients clients)
    : clients_(std::move(clients)),
      groups_(clients_),
      group_changes_(clients_),
      instances_(clients_),
      images_(clients_),
      launch_specs_(clients_),
      stacks_(clients_),
      addresses_(clients_),
      dns_(clients_),
      volumes_(clients_),
      bundle_{.groups = groups_,
              .group_changes = group_changes_,
              .instances = instances_,
              .images = images_,
              .launch_specs = launch_specs_,
              .stacks = stacks_,
              .addresses = addresses_,
              .dns = dns_,
              .volumes = volumes_} {}

}  // namespace rotor::aws
