// Several long tasks "at once" in one process whose objects are not thread-safe (a cloud, the
// simulator, a journal): each task runs on its own thread, but only one runs at a time, and the
// turn passes only where a task sleeps on the clock Turns gives it. The earliest wake-up goes
// next (ties in task order), so tasks interleave as the rolling engine's groups do, and on a
// virtual clock the interleaving is deterministic.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/clock.h"

namespace rotor::core {

class Turns {
 public:
  // A task sleeps only on `clock`; it returns false to stop further tasks from starting (those
  // running finish).
  using Task = std::function<bool(Clock& clock)>;

  // REQUIRES: `clock` outlives Run; nothing else sleeps on it meanwhile.
  explicit Turns(Clock& clock) : clock_(clock) {}

  // Runs the tasks, at most `parallel` (>= 1) at once, starting them in order; returns when
  // every started task has returned. Returns how many tasks were started. A task that throws
  // (a library's exception; our code throws none) stops further starts, and the exception is
  // rethrown here once the others are done. Call once per Turns.
  //
  // Only sleeps on the given clock pass the turn: a task sleeping on another clock (an API
  // client's back-off) holds it meanwhile, and the others wait.
  int Run(std::vector<Task> tasks, int parallel);

 private:
  // The clock a task sleeps on: its sleeps pass the turn.
  class TaskClock final : public Clock {
   public:
    TaskClock(Turns& turns, size_t i) : turns_(turns), i_(i) {}
    Time Now() override { return turns_.clock_.Now(); }
    void SleepUntil(Time t) override { turns_.Sleep(i_, t); }

   private:
    Turns& turns_;
    size_t i_;
  };
  struct Slot {
    std::unique_ptr<TaskClock> clock;
    std::thread thread;
    Time wake{};
    bool done = false;
  };

  void Start(size_t i);                               // REQUIRES: mu_ held
  void PassTurn(std::unique_lock<std::mutex>& lock);  // to the earliest wake-up, if any
  void WaitTurn(std::unique_lock<std::mutex>& lock, size_t i);
  void Sleep(size_t i, Time t);
  void Body(size_t i);

  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Task> tasks_;
  std::vector<Slot> slots_;     // one per started task
  std::optional<size_t> turn_;  // whose turn it is
  size_t running_ = 0;          // started and not done
  int parallel_ = 1;
  bool stop_starting_ = false;
  std::exception_ptr thrown_;  // the first task's exception, rethrown by Run
};

}  // namespace rotor::core
