#include "sim/event_queue.h"

namespace rotor::sim {

void EventQueue::RunNext() {
  // Move the action out before popping: it may schedule further events.
  Action action = std::move(const_cast<Entry&>(heap_.top()).action);
  heap_.pop();
  ++executed_;
  action();
}

void SimClock::SleepUntil(core::Time t) {
  while (!queue_.empty() && queue_.next_time() <= t) {
    if (queue_.next_time() > now_) now_ = queue_.next_time();
    queue_.RunNext();
  }
  if (t > now_) now_ = t;
}

}  // namespace rotor::sim
