// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Work that runs exactly as long as the test says: futures the test finishes by hand (Gate,
// Gates), and a thread pool whose tasks wait at a gate the test opens (GatedPool).

#ifndef AIOUTILS_GATE_H
#define AIOUTILS_GATE_H

#include "testutil.h"

#include <QtCore/qfuture.h>
#include <QtCore/qpromise.h>
#include <QtCore/qsemaphore.h>
#include <QtCore/qthreadpool.h>

#include <memory>
#include <vector>

namespace TestUtil {

// One future the test finishes by hand. Still open when the Gate goes, it is canceled and
// finished by QPromise's destructor.
template<typename T> class Gate
{
public:
    Gate() { m_promise.start(); }
    QFuture<T> future() const { return m_promise.future(); }
    void open(const T &value)
    {
        m_promise.addResult(value);
        m_promise.finish();
    }

private:
    QPromise<T> m_promise;
};

// Any number of them, opened by index. Whatever is still open when the Gates go is canceled and
// finished by QPromise's destructor.
class Gates
{
public:
    QFuture<int> make()
    {
        auto promise = std::make_unique<QPromise<int>>();
        promise->start();
        QFuture<int> future = promise->future();
        m_promises.push_back(std::move(promise));
        return future;
    }

    void open(int index, int value = 0)
    {
        QPromise<int> &promise = *m_promises.at(std::size_t(index));
        if (promise.future().isFinished())
            return;
        promise.addResult(value);
        promise.finish();
    }

    int count() const { return int(m_promises.size()); }

private:
    std::vector<std::unique_ptr<QPromise<int>>> m_promises;
};

// A QThreadPool of the test's own, with a gate its tasks may wait at. The gate opens when the test
// says, or at the latest when the GatedPool goes (a failed check returns early), before the pool
// waits for its threads: no thread waits out its patience, and no task outlives what the test
// declared before the GatedPool.
class GatedPool
{
public:
    explicit GatedPool(int threads) { m_pool.setMaxThreadCount(threads); }
    ~GatedPool()
    {
        open();
        m_pool.waitForDone();
    }
    GatedPool(const GatedPool &) = delete;
    GatedPool &operator=(const GatedPool &) = delete;

    QThreadPool *pool() { return &m_pool; }
    // In a task: blocks until the gate opens; false if it never did.
    bool wait() { return m_gate.tryAcquire(1, Patience); }
    void open() { m_gate.release(1 << 20); }

private:
    QSemaphore m_gate; // declared first: destroyed after the pool
    QThreadPool m_pool;
};

} // namespace TestUtil

#endif // AIOUTILS_GATE_H
