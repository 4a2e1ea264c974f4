#include "process_exit.h"

#include <cstdlib>
#include <mutex>
#include <set>
#include <vector>

#include "pipeline.h"

namespace va {

namespace {

std::mutex& registryMutex() {
  static std::mutex* m = new std::mutex();  // leaked on purpose: must outlive static destructors
  return *m;
}

std::set<Pipeline*>& registry() {
  static std::set<Pipeline*>* r = new std::set<Pipeline*>();
  return *r;
}

// The lock is held throughout: a pipeline owned by another thread (a worker) unregisters itself
// before it releases or frees anything, so it stays whole while it is stopped here.
void stopAllAtExit() {
  std::lock_guard<std::mutex> lock(registryMutex());
  for (Pipeline* p : registry()) p->teardownAtProcessExit();
  registry().clear();
}

}  // namespace

void installProcessExitHandler() {
  static std::once_flag once;
  std::call_once(once, [] { std::atexit(stopAllAtExit); });
}

void registerForProcessExit(Pipeline* p) {
  std::lock_guard<std::mutex> lock(registryMutex());
  registry().insert(p);
}

void unregisterForProcessExit(Pipeline* p) {
  std::lock_guard<std::mutex> lock(registryMutex());
  registry().erase(p);
}

}  // namespace va
