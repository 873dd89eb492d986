// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.

#ifndef AIOUTILS_THREADPOOLFEED_P_H
#define AIOUTILS_THREADPOOLFEED_P_H

#include <AioUtils/detail/task.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>

QT_BEGIN_NAMESPACE
class QThreadPool;
QT_END_NAMESPACE

namespace AioUtils {
namespace detail {

// Carries thread-pool work to one QThreadPool through a few runnables of its own, instead of one
// QRunnable per task. Qt 6.4's QThreadPool::start() takes the pool's mutex and walks the pool's
// queue pages on every call, so a burst of N tasks costs O(N^2 / 256) there; here a task costs a
// push and a pop on a deque. At most maxThreadCount() runners work at once, with one more queued
// in the pool as a spare while all of them are busy and work waits; each gives its thread back to
// the pool after a time slice (it goes to the back of the pool's queue), so other users of the
// same pool still get their turn.
//
// A job that has run is not freed here: its group takes it with its report and frees it on its
// own thread (GroupCore::ranJobs); a runner frees only what its group did not take.
class ThreadPoolFeed final : public std::enable_shared_from_this<ThreadPoolFeed>
{
public:
    // The feed of `pool` (null: the global instance), valid while that pool lives; null once
    // Qt's global pool is gone.
    static ThreadPoolFeed *of(QThreadPool *pool);

    explicit ThreadPoolFeed(QThreadPool *pool);
    ~ThreadPoolFeed();
    ThreadPoolFeed(const ThreadPoolFeed &) = delete;
    ThreadPoolFeed &operator=(const ThreadPoolFeed &) = delete;

    // Queues `job` (owned from here on) to run on a thread of the pool.
    void push(ThreadPoolJobBase *job);

private:
    class Runner;
    friend class Runner;

    // A runner's body: runs jobs until none is left or its slice is over.
    void work();
    // A runner the pool deleted without running it (QThreadPool::clear()).
    void dropped();
    void startRunner();

    QThreadPool *const m_pool;
    std::atomic<int> m_maxRunners;
    std::mutex m_mutex;
    std::deque<ThreadPoolJobBase *> m_ready;
    int m_runners = 0; // started and not yet retired
    int m_pending = 0; // of those, the ones that have not taken their first job yet
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_THREADPOOLFEED_P_H
