#include "core/turns.h"

namespace rotor::core {

int Turns::Run(std::vector<Task> tasks, int parallel) {
  std::unique_lock<std::mutex> lock(mu_);
  tasks_ = std::move(tasks);
  parallel_ = std::max(1, parallel);
  slots_.reserve(tasks_.size());  // never reallocated while threads refer to their slot
  while (slots_.size() < tasks_.size() && static_cast<int>(running_) < parallel_) {
    Start(slots_.size());
  }
  PassTurn(lock);
  cv_.wait(lock, [&] { return running_ == 0; });
  lock.unlock();
  for (Slot& s : slots_) s.thread.join();
  if (thrown_) std::rethrow_exception(thrown_);
  return static_cast<int>(slots_.size());
}

void Turns::Start(size_t i) {
  slots_.emplace_back();
  Slot& s = slots_.back();
  s.clock = std::make_unique<TaskClock>(*this, i);
  s.wake = clock_.Now();
  ++running_;
  s.thread = std::thread([this, i] { Body(i); });
}

void Turns::PassTurn(std::unique_lock<std::mutex>&) {
  std::optional<size_t> next;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].done) continue;
    if (!next || slots_[i].wake < slots_[*next].wake) next = i;
  }
  turn_ = next;
  // The clock is advanced by whoever passes the turn, while nobody else runs.
  if (next && slots_[*next].wake > clock_.Now()) clock_.SleepUntil(slots_[*next].wake);
  cv_.notify_all();
}

void Turns::WaitTurn(std::unique_lock<std::mutex>& lock, size_t i) {
  cv_.wait(lock, [&] { return turn_ == i; });
}

void Turns::Sleep(size_t i, Time t) {
  std::unique_lock<std::mutex> lock(mu_);
  slots_[i].wake = t;
  PassTurn(lock);
  WaitTurn(lock, i);
}

void Turns::Body(size_t i) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    WaitTurn(lock, i);
  }
  bool go_on = false;
  std::exception_ptr thrown;
  try {
    go_on = tasks_[i](*slots_[i].clock);
  } catch (...) {
    thrown = std::current_exception();
  }
  std::unique_lock<std::mutex> lock(mu_);
  slots_[i].done = true;
  --running_;
  if (thrown && !thrown_) thrown_ = thrown;
  if (!go_on) stop_starting_ = true;
  if (!stop_starting_ && slots_.size() < tasks_.size()) Start(slots_.size());
  PassTurn(lock);
}

}  // namespace rotor::core
