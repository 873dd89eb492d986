// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "threadpoolfeed_p.h"
#include "tsan_p.h"

#include <QtCore/qrunnable.h>
#include <QtCore/qthreadpool.h>

#include <chrono>
#include <utility>
#include <vector>

namespace AioUtils {
namespace detail {

namespace {
// How long a runner keeps its pool thread before it goes to the back of the pool's queue.
constexpr std::chrono::milliseconds Slice(10);

// Feeds of pools other than the global one, until their pool is destroyed. Never freed: a pool
// may be destroyed during static destruction.
struct Registry
{
    std::mutex mutex;
    std::vector<std::pair<QThreadPool *, std::shared_ptr<ThreadPoolFeed>>> feeds;
    // Every feed the global pool has had: one per QCoreApplication that used it.
    std::vector<std::shared_ptr<ThreadPoolFeed>> globalFeeds;
};
Registry &registry()
{
    static Registry *const instance = new Registry;
    return *instance;
}

// Drops the feed of a pool that is being destroyed.
void forget(QThreadPool *pool)
{
    std::shared_ptr<ThreadPoolFeed> gone; // freed after the registry's lock is released
    Registry &feeds = registry();
    std::lock_guard registryLock(feeds.mutex);
    for (auto it = feeds.feeds.begin(); it != feeds.feeds.end(); ++it) {
        if (it->first == pool) {
            gone = std::move(it->second);
            feeds.feeds.erase(it);
            break;
        }
    }
}
} // namespace

class ThreadPoolFeed::Runner final : public QRunnable
{
public:
    explicit Runner(std::shared_ptr<ThreadPoolFeed> feed) : m_feed(std::move(feed)) { }
    ~Runner() override
    {
        // Dropped unrun by QThreadPool::clear(), the runner reaches this thread through the pool's
        // queue, maybe from the pool thread that started it at the end of its slice.
        AIOUTILS_HANDOVER_ACQUIRE(this);
        if (!m_ran)
            m_feed->dropped();
    }
    Runner(const Runner &) = delete;
    Runner &operator=(const Runner &) = delete;

    void run() override
    {
        AIOUTILS_HANDOVER_ACQUIRE(this);
        m_ran = true;
        m_feed->work();
    }

private:
    std::shared_ptr<ThreadPoolFeed> m_feed;
    bool m_ran = false;
};

ThreadPoolFeed *ThreadPoolFeed::of(QThreadPool *pool)
{
    QThreadPool *const global = QThreadPool::globalInstance();
    if (!pool)
        pool = global;
    if (!pool)
        return nullptr; // Qt's global pool is gone (the program is exiting)
    Registry &r = registry();
    if (pool == global) {
        // The hot path, without a lock. Qt deletes its global pool with the QCoreApplication and
        // makes a new one for a later application: a feed whose pool is not the current one is
        // replaced. (One made for a deleted pool is idle: ~QThreadPool waited for its runners.
        // A new pool at the same address may take it over as it is.)
        static std::atomic<ThreadPoolFeed *> current { nullptr };
        ThreadPoolFeed *feed = current.load(std::memory_order_acquire);
        if (feed && feed->m_pool == global)
            return feed;
        std::lock_guard lock(r.mutex);
        feed = current.load(std::memory_order_relaxed);
        if (!feed || feed->m_pool != global) {
            // Kept for good: a raw pointer to it may be in use on another thread right now.
            r.globalFeeds.push_back(std::make_shared<ThreadPoolFeed>(global));
            feed = r.globalFeeds.back().get();
            current.store(feed, std::memory_order_release);
        }
        return feed;
    }
    std::lock_guard lock(r.mutex);
    for (const auto &entry : r.feeds) {
        if (entry.first == pool)
            return entry.second.get();
    }
    auto feed = std::make_shared<ThreadPoolFeed>(pool);
    r.feeds.emplace_back(pool, feed);
    // Emitted after ~QThreadPool has waited for its runnables, so the feed is idle by then; a
    // later pool at the same address gets a feed of its own. The pool is its own context (Qt 6.7
    // and later refuse a connection without one) and the call is direct: whichever thread
    // deletes the pool runs it, while the pool is still there.
    QObject::connect(
            pool, &QObject::destroyed, pool, [pool] { forget(pool); }, Qt::DirectConnection);
    return feed.get();
}

ThreadPoolFeed::ThreadPoolFeed(QThreadPool *pool)
    : m_pool(pool), m_maxRunners(qMax(1, pool->maxThreadCount()))
{
}

ThreadPoolFeed::~ThreadPoolFeed()
{
    // Runners hold the feed: with the last one gone, nothing is waiting to run.
}

void ThreadPoolFeed::push(ThreadPoolJobBase *job)
{
    bool start = false;
    {
        std::lock_guard lock(m_mutex);
        m_ready.push_back(job);
        // Enough runners are on their way when the ones that have not taken a job yet cover what
        // waits; otherwise one more, up to the pool's thread count. Past it, one spare: with
        // every runner busy, a runner queued in the pool is what lets the pool give this job a
        // thread it frees for other work (QThreadPool::releaseThread() in a task that is about
        // to block, a raised maxThreadCount()), as it would for a runnable of its own.
        if (m_ready.size() > size_t(m_pending)
            && (m_runners < m_maxRunners.load(std::memory_order_relaxed) || m_pending == 0)) {
            ++m_runners;
            ++m_pending;
            start = true;
        }
    }
    if (start)
        startRunner();
}

void ThreadPoolFeed::startRunner()
{
    // Everything this thread reads of the feed is read before the hand-over: the runner may end
    // the feed's life on its thread, and TSan orders only what came before the release.
    QThreadPool *const pool = m_pool;
    auto *runner = new Runner(shared_from_this());
    AIOUTILS_HANDOVER_RELEASE(runner);
    pool->start(runner);
}

void ThreadPoolFeed::work()
{
    const auto sliceEnd = std::chrono::steady_clock::now() + Slice;
    bool first = true;
    for (;;) {
        ThreadPoolJobBase *job = nullptr;
        bool sliceOver = false;
        bool spare = false;
        {
            std::lock_guard lock(m_mutex);
            if (std::exchange(first, false))
                --m_pending;
            if (m_ready.empty()) {
                --m_runners; // retiring
            } else if (std::chrono::steady_clock::now() >= sliceEnd) {
                // The slice is over: the pool's other work goes first, then this runner goes on.
                ++m_pending;
                sliceOver = true;
            } else {
                job = m_ready.front();
                m_ready.pop_front();
                // Work still waits and no runner is on its way: queue a spare (see push()).
                if (!m_ready.empty() && m_pending == 0) {
                    ++m_runners;
                    ++m_pending;
                    spare = true;
                }
            }
        }
        if (spare)
            startRunner();
        if (sliceOver) {
            m_maxRunners.store(qMax(1, m_pool->maxThreadCount()), std::memory_order_relaxed);
            startRunner();
            return;
        }
        if (!job)
            return;
        delete job->run(); // null when its group took it
    }
}

void ThreadPoolFeed::dropped()
{
    std::deque<ThreadPoolJobBase *> orphans;
    {
        std::lock_guard lock(m_mutex);
        --m_runners;
        --m_pending;
        // The runners still working take care of what waits, even though the pool was cleared;
        // with none left, nobody would: what waits is canceled.
        if (m_runners == 0) {
            orphans.swap(m_ready);
        }
    }
    // Destroyed unstarted, a job cancels its caller's future and reports Canceled: what
    // QThreadPool::clear() did to the tasks themselves when each was a runnable of its own.
    for (ThreadPoolJobBase *job : orphans)
        delete job;
}

} // namespace detail
} // namespace AioUtils
