#include "core/turns.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace rotor::core {
namespace {

using namespace std::chrono_literals;

// A task that logs "NAME@SECONDS" each time it runs, sleeping the given steps in between.
Turns::Task Logging(std::string name, std::vector<Duration> sleeps, std::vector<std::string>& log,
                    Time start, bool go_on = true) {
  return [name, sleeps, &log, start, go_on](Clock& clock) {
    auto at = [&] {
      return name + "@" + std::to_string((clock.Now() - start) / std::chrono::seconds(1));
    };
    log.push_back(at());
    for (Duration d : sleeps) {
      clock.SleepFor(d);
      log.push_back(at());
    }
    return go_on;
  };
}

TEST(Turns, EarliestWakeUpRunsNextTiesInTaskOrder) {
  Time start{std::chrono::hours(1000)};
  ManualClock clock(start);
  std::vector<std::string> log;
  Turns turns(clock);
  int started = turns.Run({Logging("a", {10s, 10s}, log, start), Logging("b", {15s}, log, start),
                           Logging("c", {1s}, log, start)},
                          /*parallel=*/2);
  EXPECT_EQ(started, 3);
  // c starts when b ends (at 15 s), before a wakes at 20 s.
  EXPECT_EQ(log, (std::vector<std::string>{"a@0", "b@0", "a@10", "b@15", "c@15", "c@16", "a@20"}));
  EXPECT_EQ(clock.Now(), start + 20s);
}

TEST(Turns, OneAtATimeIsOneAfterAnother) {
  Time start{std::chrono::hours(1000)};
  ManualClock clock(start);
  std::vector<std::string> log;
  Turns turns(clock);
  turns.Run({Logging("a", {10s}, log, start), Logging("b", {5s}, log, start)}, 1);
  EXPECT_EQ(log, (std::vector<std::string>{"a@0", "a@10", "b@10", "b@15"}));
}

TEST(Turns, ATaskThatFailsStartsNoFurtherOne) {
  Time start{std::chrono::hours(1000)};
  ManualClock clock(start);
  std::vector<std::string> log;
  Turns turns(clock);
  int started =
      turns.Run({Logging("a", {30s}, log, start), Logging("b", {5s}, log, start, /*go_on=*/false),
                 Logging("c", {}, log, start)},
                2);
  EXPECT_EQ(started, 2);  // a, in flight, finishes; c never starts
  EXPECT_EQ(log, (std::vector<std::string>{"a@0", "b@0", "b@5", "a@30"}));
}

TEST(Turns, AnExceptionStopsFurtherStartsAndReachesTheCaller) {
  Time start{std::chrono::hours(1000)};
  ManualClock clock(start);
  std::vector<std::string> log;
  Turns turns(clock);
  std::vector<Turns::Task> tasks = {Logging("a", {30s}, log, start),
                                    [](Clock& c) -> bool {
                                      c.SleepFor(5s);
                                      throw std::runtime_error("library failure");
                                    },
                                    Logging("c", {}, log, start)};
  EXPECT_THROW(turns.Run(std::move(tasks), 2), std::runtime_error);
  EXPECT_EQ(log, (std::vector<std::string>{"a@0", "a@30"}));  // a finished; c never started
}

}  // namespace
}  // namespace rotor::core
