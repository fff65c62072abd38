#include "cloud/model.h"

#include <gtest/gtest.h>

namespace rotor::cloud {
namespace {

LaunchSpec Template(std::string id, std::string resolved, std::string image = "") {
  LaunchSpec s;
  s.kind = LaunchSpec::Kind::kTemplate;
  s.template_id = std::move(id);
  s.resolved_version = std::move(resolved);
  s.image_id = std::move(image);
  return s;
}

LaunchSpec Config(std::string name, std::string image = "") {
  LaunchSpec s;
  s.kind = LaunchSpec::Kind::kConfiguration;
  s.configuration_name = std::move(name);
  s.image_id = std::move(image);
  return s;
}

TEST(IsOutOfDate, Table) {
  struct Row {
    const char* name;
    LaunchSpec group;
    LaunchSpec instance;
    std::string instance_image;
    bool out_of_date;
  };
  const Row rows[] = {
      {"same template version and image", Template("lt-1", "3", "ami-new"), Template("lt-1", "3"),
       "ami-new", false},
      {"older template version", Template("lt-1", "3", "ami-new"), Template("lt-1", "2"), "ami-new",
       true},
      {"other template", Template("lt-2", "1"), Template("lt-1", "1"), "ami-new", true},
      {"unknown instance version: same image", Template("lt-1", "3", "ami-new"),
       Template("lt-1", ""), "ami-new", false},
      {"unknown instance version: other image", Template("lt-1", "3", "ami-new"),
       Template("lt-1", ""), "ami-old", true},
      {"same version but image replaced outside the spec", Template("lt-1", "3", "ami-new"),
       Template("lt-1", "3"), "ami-old", true},
      {"group image unknown (ssm)", Template("lt-1", "3", ""), Template("lt-1", "3"), "ami-x",
       false},
      {"same configuration", Config("lc-1", "ami-new"), Config("lc-1"), "ami-new", false},
      {"other configuration", Config("lc-2", "ami-new"), Config("lc-1"), "ami-new", true},
      {"moved from configuration to template", Template("lt-1", "1", "ami-new"), Config("lc-1"),
       "ami-new", true},
  };
  for (const Row& r : rows) {
    Group g;
    g.spec = r.group;
    Instance i;
    i.spec = r.instance;
    i.image_id = r.instance_image;
    EXPECT_EQ(IsOutOfDate(g, i), r.out_of_date) << r.name;
  }
}

TEST(LaunchSpec, Describe) {
  LaunchSpec t = Template("lt-1", "3");
  t.template_name = "web-lt";
  t.version = "$Latest";
  EXPECT_EQ(t.Describe(), "web-lt v3 ($Latest)");
  EXPECT_EQ(Config("web-lc").Describe(), "web-lc");
  EXPECT_EQ(LaunchSpec().Describe(), "none");
}

}  // namespace
}  // namespace rotor::cloud
