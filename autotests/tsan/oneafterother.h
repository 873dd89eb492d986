// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The choreography of the race probes: two threads meet, then the first writes and the second
// writes after it, with nothing TSan could see as synchronization between them (relaxed atomics
// give no happens-before edge). TSan may miss two writes made at the very same moment (each is
// checked before the other is recorded), never two made one after the other like this. The write
// itself stays in each probe, so that TSan's summary names the probe's own file.

#ifndef AIOUTILS_ONEAFTEROTHER_H
#define AIOUTILS_ONEAFTEROTHER_H

#include <atomic>
#include <thread>

namespace Probe {

inline std::atomic<int> arrived { 0 };
inline std::atomic<bool> firstWritten { false };

// Called on two threads, with `first` true on one of them: returns once both have arrived, and
// on the second thread only after the first one's write.
template<typename Write> void oneAfterTheOther(bool first, Write write)
{
    arrived.fetch_add(1, std::memory_order_relaxed);
    while (arrived.load(std::memory_order_relaxed) < 2)
        std::this_thread::yield();
    if (first) {
        write();
        firstWritten.store(true, std::memory_order_relaxed);
    } else {
        while (!firstWritten.load(std::memory_order_relaxed))
            std::this_thread::yield();
        write();
    }
}

} // namespace Probe

#endif // AIOUTILS_ONEAFTEROTHER_H
