// process.exit() skips env cleanup hooks and goes straight to C exit(): stop every pipeline that is
// still running from an atexit handler so no streaming thread outlives the runtime it calls into.
#pragma once

namespace va {

class Pipeline;

void installProcessExitHandler();
void registerForProcessExit(Pipeline* p);
void unregisterForProcessExit(Pipeline* p);

}  // namespace va
