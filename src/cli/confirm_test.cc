// The plan confirmed is the plan run: PlanAndConfirm against a fleet the test changes while the
// person looks at the plan.
#include "cli/confirm.h"

#include <gtest/gtest.h>

#include <sstream>

// Rows name only the fields they set; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace rotor::cli {
namespace {

// A fleet that is a number of members; a plan replaces them all. The test changes `members`
// from inside the question, as another operator would while the plan is on the screen.
struct World {
  int members = 3;
  int made = 0;
  std::vector<int> discarded;
  std::vector<bool> answers;            // one per question; true = "y"
  std::vector<int> change_at_question;  // members at question n (when set)
  int asked = 0;
  bool check_fails = false;

  PlanSteps<int> Steps() {
    PlanSteps<int> s;
    s.make = [this]() -> core::Result<int> {
      ++made;
      return members;
    };
    s.render = [](const int& n) { return "replace " + std::to_string(n) + " members\n"; };
    s.discard = [this](const int& n) { discarded.push_back(n); };
    return s;
  }
  bool Ask() {
    size_t n = asked++;
    if (n < change_at_question.size()) members = change_at_question[n];
    return n < answers.size() && answers[n];
  }
};

struct Row {
  const char* name;
  std::vector<bool> answers;
  std::vector<int> change_at_question;
  bool dry_run = false;
  bool nobody_asked = false;
  // Expected:
  std::optional<int> run;  // the plan run (nullopt: none)
  core::Code code = core::Code::kOk;
  int made = 0;
  std::string err_has;
};

TEST(PlanAndConfirm, RunsOnlyThePlanConfirmed) {
  const Row rows[] = {
      {.name = "unchanged: the plan confirmed runs", .answers = {true}, .run = 3, .made = 2},
      {.name = "changed once: said, planned again, asked again",
       .answers = {true, true},
       .change_at_question = {4},
       .run = 4,
       .made = 3,
       .err_has = "- replace 3 members\n  + replace 4 members\nrotor: planning again"},
      {.name = "changed under every plan: blocked, nothing run",
       .answers = {true, true, true},
       .change_at_question = {4, 5, 6},
       .code = core::Code::kBlocked,
       .made = 4,
       .err_has = "changed under 3 plans in a row"},
      {.name = "declined after the change",
       .answers = {true, false},
       .change_at_question = {4},
       .made = 2,
       .err_has = "rotor: nothing changed"},
      {.name = "declined", .answers = {false}, .made = 1, .err_has = "nothing changed"},
      {.name = "dry run: nothing asked", .dry_run = true, .made = 1},
      {.name = "nobody to ask (--yes): no second look", .nobody_asked = true, .run = 3, .made = 1},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    World w;
    w.answers = row.answers;
    w.change_at_question = row.change_at_question;
    std::ostringstream out, err;
    ConfirmIo io{.out = out, .err = err, .show = true, .dry_run = row.dry_run, .ask = {}};
    if (!row.nobody_asked) io.ask = [&w] { return w.Ask(); };
    auto r = PlanAndConfirm(w.Steps(), io);
    EXPECT_EQ(r.status().code(), row.code) << r.status().message();
    if (r.ok()) {
      EXPECT_EQ(*r, row.run);
    }
    EXPECT_EQ(w.made, row.made);
    std::string said = err.str() + r.status().message();
    EXPECT_NE(said.find(row.err_has), std::string::npos) << said;
    // Every plan made and not run is discarded (the change sets of update-stack).
    EXPECT_EQ(static_cast<int>(w.discarded.size()), w.made - (r.ok() && *r ? 1 : 0));
    // The plan run is the last plan printed.
    if (r.ok() && *r) {
      std::string shown = out.str();
      EXPECT_EQ(shown.substr(shown.rfind("replace")),
                "replace " + std::to_string(**r) + " members\n");
    }
  }
}

TEST(PlanAndConfirm, AnIdlePlanAsksNothing) {
  World w;
  w.answers = {true};
  std::ostringstream out, err;
  PlanSteps<int> s = w.Steps();
  s.idle = [](const int&) { return true; };
  ConfirmIo io{
      .out = out, .err = err, .show = true, .dry_run = false, .ask = [&w] { return w.Ask(); }};
  auto r = PlanAndConfirm(s, io);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_EQ(w.asked, 0);
}

TEST(PlanAndConfirm, AFailedSecondLookRunsNothing) {
  World w;
  w.answers = {true};
  std::ostringstream out, err;
  PlanSteps<int> s = w.Steps();
  s.changed = [](const int&) -> core::Result<std::vector<std::string>> {
    return core::Status(core::Code::kUnavailable, "DescribeStacks: connection refused");
  };
  ConfirmIo io{
      .out = out, .err = err, .show = true, .dry_run = false, .ask = [&w] { return w.Ask(); }};
  auto r = PlanAndConfirm(s, io);
  EXPECT_EQ(r.status().code(), core::Code::kUnavailable);
  EXPECT_EQ(w.discarded, std::vector<int>{3});
}

TEST(DiffLines, NamesWhatWentAndWhatCame) {
  struct {
    const char* name;
    std::string before, after;
    std::vector<std::string> want;
  } rows[] = {
      {"same", "a\n  b\n", "a\n  b\n", {}},
      {"a victim gone",
       "batch 1: i-1 i-2\nbatch 2: i-3\n",
       "batch 1: i-1 i-2\n",
       {"- batch 2: i-3"}},
      {"a line replaced, indentation dropped",
       "x\n    desired 6\n",
       "x\n    desired 7\n",
       {"- desired 6", "+ desired 7"}},
      {"repeated lines counted", "a\na\n", "a\n", {"- a"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(DiffLines(row.before, row.after), row.want);
  }
}

}  // namespace
}  // namespace rotor::cli
