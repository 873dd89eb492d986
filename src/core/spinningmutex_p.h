// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.

#ifndef AIOUTILS_SPINNINGMUTEX_P_H
#define AIOUTILS_SPINNINGMUTEX_P_H

#include "tsan_p.h"

#include <mutex>
#include <thread>

namespace AioUtils {
namespace detail {

// A std::mutex that, found taken, tries again for a few microseconds before it sleeps: a group's
// lock is held for well under a microsecond at a time, by the thread that spawns and by every
// worker that ends a task. With a plain std::mutex a thread that finds it taken sleeps in the
// kernel and the holder wakes it with a system call, which costs more than the wait it avoids
// (200k thread-pool tasks into a Group on two cores: 12,700 context switches a run, and a fifth
// of the run's time). What glibc's PTHREAD_MUTEX_ADAPTIVE_NP does, without leaving std::mutex,
// so that std::condition_variable and ThreadSanitizer see the same mutex as before.
class SpinningMutex
{
public:
    void lock()
    {
        if constexpr (triesFirst) {
            if (m_mutex.try_lock())
                return;
            if (spins()) {
                // Backs off between tries, so that the holder's cache line is not pulled away
                // from it on every turn.
                for (int pauses = 1; pauses <= 128; pauses *= 2) {
                    for (int i = 0; i < pauses; ++i)
                        pause();
                    if (m_mutex.try_lock())
                        return;
                }
            }
        }
        m_mutex.lock();
    }
    bool try_lock() { return m_mutex.try_lock(); }
    void unlock() { m_mutex.unlock(); }
    // For std::condition_variable, whose waits take a std::unique_lock<std::mutex>.
    std::mutex &native() { return m_mutex; }

private:
#if defined(AIOUTILS_TSAN)
    // Under ThreadSanitizer a plain lock, as before there was a SpinningMutex: with the tries,
    // tst_stress reported in most runs a QtConcurrent::run hand-over whose making TSan could no
    // longer restore ("failed to restore the stack"), so that its suppression did not match. Why
    // the tries shorten that history is not understood.
    static constexpr bool triesFirst = false;
#else
    static constexpr bool triesFirst = true;
#endif

    static bool spins()
    {
        // On one core, the holder cannot run while this thread spins.
        static const bool manyCores = std::thread::hardware_concurrency() > 1;
        return manyCores;
    }
    static void pause()
    {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        asm volatile("yield");
#endif
    }

    std::mutex m_mutex;
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_SPINNINGMUTEX_P_H
