// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Thread-pool work goes through the pool's feed of runners: what a pool lets tasks do when each
// task is a QRunnable of its own must still work.

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include "foreignrunnable.h"
#include "gate.h"
#include "groupkind.h"
#include "testutil.h"

#include <QtCore/qsemaphore.h>
#include <QtCore/qthreadpool.h>
#include <QtTest/qtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

using AioUtils::Bag;
using AioUtils::Group;
using AioUtils::OrderedBag;
using AioUtils::Pool;
using TestUtil::GatedPool;
using TestUtil::GroupKind;
using TestUtil::makeGroup;
using TestUtil::Patience;
using TestUtil::startForeign;

namespace {

enum class PoolSetup {
    Fresh,  // a QThreadPool of 2 threads, first used with 2
    Raised, // a QThreadPool first used with 1 thread, then raised to 2
    Global, // QThreadPool::globalInstance()
};

} // namespace

Q_DECLARE_METATYPE(PoolSetup)

class tst_Feed : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void releaseThreadLetsQueuedWorkRun_data();
    void releaseThreadLetsQueuedWorkRun();
    void raisedMaxThreadCountIsUsed_data();
    void raisedMaxThreadCountIsUsed();

    // Tasks of the feed and work started on the same pool behind its back
    void longTaskDoesNotHoldUpOthers_data();
    void longTaskDoesNotHoldUpOthers();
    void timeSliceLetsForeignWorkIn_data();
    void timeSliceLetsForeignWorkIn();
    void clearCancelsTasksNotBegun_data();
    void clearCancelsTasksNotBegun();
    void clearAfterSliceCancelsTheRest_data();
    void clearAfterSliceCancelsTheRest();
    void poolRecreatedAtSameAddress();
    void manyTasks_data();
    void manyTasks();
    void resultsNobodyHoldsAreFreed_data();
    void resultsNobodyHoldsAreFreed();
};

void tst_Feed::releaseThreadLetsQueuedWorkRun_data()
{
    QTest::addColumn<bool>("post");
    QTest::newRow("spawn") << false;
    QTest::newRow("post") << true;
}

// QThreadPool::releaseThread() is the documented way for a task that is about to block to let
// the pool run other work meanwhile (it raises the pool's thread count for the while).
void tst_Feed::releaseThreadLetsQueuedWorkRun()
{
    QFETCH(bool, post);
    QThreadPool pool;
    pool.setMaxThreadCount(1);
    QSemaphore released;
    std::atomic<bool> got { false };
    Group group;
    const auto waiter = [&] {
        pool.releaseThread();
        got = released.tryAcquire(1, 5000);
        pool.reserveThread();
    };
    const auto releaser = [&] { released.release(); };
    if (post) {
        group.post(&pool, waiter);
        group.post(&pool, releaser);
    } else {
        group.spawn(&pool, waiter);
        group.spawn(&pool, releaser);
    }
    QVERIFY(group.join(QDeadlineTimer(30000)));
    QVERIFY2(got, "the second task did not run while the first had released its thread");
}

void tst_Feed::raisedMaxThreadCountIsUsed_data()
{
    QTest::addColumn<bool>("post");
    QTest::newRow("spawn") << false;
    QTest::newRow("post") << true;
}

// A pool used once with one thread, then given two: two tasks that need each other meet.
void tst_Feed::raisedMaxThreadCountIsUsed()
{
    QFETCH(bool, post);
    QThreadPool pool;
    pool.setMaxThreadCount(1);
    Group group;
    group.spawn(&pool, [] {});
    QVERIFY(group.join(QDeadlineTimer(30000)));
    pool.setMaxThreadCount(2);

    QSemaphore a, b;
    std::atomic<bool> okA { false }, okB { false };
    const auto taskA = [&] {
        a.release();
        okA = b.tryAcquire(1, 5000);
    };
    const auto taskB = [&] {
        b.release();
        okB = a.tryAcquire(1, 5000);
    };
    if (post) {
        group.post(&pool, taskA);
        group.post(&pool, taskB);
    } else {
        group.spawn(&pool, taskA);
        group.spawn(&pool, taskB);
    }
    QVERIFY(group.join(QDeadlineTimer(30000)));
    QVERIFY2(okA && okB, "the two tasks did not run at the same time on a pool of two threads");
}

void tst_Feed::longTaskDoesNotHoldUpOthers_data()
{
    QTest::addColumn<PoolSetup>("setup");
    QTest::addColumn<bool>("usePost");
    QTest::newRow("spawn, pool of 2") << PoolSetup::Fresh << false;
    QTest::newRow("post, pool of 2") << PoolSetup::Fresh << true;
    QTest::newRow("spawn, global pool") << PoolSetup::Global << false;
    QTest::newRow("post, global pool") << PoolSetup::Global << true;
    QTest::newRow("spawn, pool raised from 1 to 2 threads after use") << PoolSetup::Raised << false;
    QTest::newRow("post, pool raised from 1 to 2 threads after use") << PoolSetup::Raised << true;
}

// Task A blocks until task B, spawned after it, has run: with a free thread in the pool, B must
// run while A blocks.
void tst_Feed::longTaskDoesNotHoldUpOthers()
{
    QFETCH(PoolSetup, setup);
    QFETCH(bool, usePost);
    std::atomic<int> aSaw { -1 }; // 1: B ran while A waited; 0: A gave up waiting
    QSemaphore bRan;
    QThreadPool own;
    QThreadPool *pool = nullptr;
    if (setup == PoolSetup::Global) {
        if (QThreadPool::globalInstance()->maxThreadCount() < 2)
            QSKIP("The global pool has a single thread here");
    } else {
        pool = &own;
        if (setup == PoolSetup::Raised) {
            own.setMaxThreadCount(1);
            Group warmUp;
            warmUp.post(&own, [] {});
            QVERIFY(warmUp.join(QDeadlineTimer(Patience)));
            QVERIFY(own.waitForDone(Patience));
        }
        own.setMaxThreadCount(2);
    }
    Group group;
    const auto a = [&] { aSaw = bRan.tryAcquire(1, Patience / 3) ? 1 : 0; };
    const auto b = [&] { bRan.release(); };
    if (usePost) {
        group.post(pool, a);
        group.post(pool, b);
    } else {
        group.spawn(pool, a);
        group.spawn(pool, b);
    }
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(aSaw.load(), 1);
}

void tst_Feed::timeSliceLetsForeignWorkIn_data()
{
    QTest::addColumn<bool>("usePost");
    QTest::newRow("spawn") << false;
    QTest::newRow("post") << true;
}

// With a single-thread pool busy with 400 tasks of ~2 ms, a runnable started on the pool later
// still gets the thread long before they are all done: the feed gives its thread back after a
// time slice.
void tst_Feed::timeSliceLetsForeignWorkIn()
{
    QFETCH(bool, usePost);
    constexpr int N = 400;
    std::atomic<int> done { 0 };
    std::atomic<int> doneWhenForeignRan { -1 };
    QSemaphore foreignRan;
    QThreadPool pool;
    pool.setMaxThreadCount(1);
    Group group;
    const auto work = [&done] {
        QThread::usleep(2000);
        ++done;
    };
    for (int i = 0; i < N; ++i) {
        if (usePost)
            group.post(&pool, work);
        else
            group.spawn(&pool, work);
    }
    startForeign(&pool, [&] {
        doneWhenForeignRan = done.load();
        foreignRan.release();
    });
    QVERIFY(foreignRan.tryAcquire(1, Patience));
    QVERIFY2(doneWhenForeignRan.load() < N,
             qPrintable(QStringLiteral("the foreign runnable ran after %1 of %2 tasks")
                                .arg(doneWhenForeignRan.load())
                                .arg(N)));
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(done.load(), N);
    QCOMPARE(group.finishedCount(), N);
}

void tst_Feed::clearCancelsTasksNotBegun_data()
{
    QTest::addColumn<int>("kind");
    QTest::newRow("spawned into a Group") << 0;
    QTest::newRow("posted into a Group") << 1;
    QTest::newRow("spawned into Pool(2), 3 queued") << 2;
}

// A single-thread pool is busy with a foreign runnable, so the feed's runner waits in the pool's
// queue; QThreadPool::clear() drops it, and the tasks it would have run end canceled at once (what
// clear() did to them when each task was a runnable of its own).
void tst_Feed::clearCancelsTasksNotBegun()
{
    QFETCH(int, kind);
    constexpr int N = 5;
    std::atomic<int> ran { 0 };
    QSemaphore blockerStarted;
    std::vector<QFuture<int>> futures;
    GatedPool gated(1);
    startForeign(gated.pool(), [&] {
        blockerStarted.release();
        gated.wait();
    });
    QVERIFY(blockerStarted.tryAcquire(1, Patience));
    const std::unique_ptr<Group> group =
            makeGroup(kind == 2 ? GroupKind::Pool : GroupKind::Group, kind == 2 ? 2 : 0);
    for (int i = 0; i < N; ++i) {
        if (kind == 1) {
            group->post(gated.pool(), [&ran] { ++ran; });
        } else {
            futures.push_back(group->spawn(gated.pool(), [&ran, i] {
                ++ran;
                return i;
            }));
        }
    }
    QCOMPARE(group->runningCount(), kind == 2 ? 2 : N);
    gated.pool()->clear();
    for (const QFuture<int> &future : futures) {
        QVERIFY(future.isFinished());
        QVERIFY(future.isCanceled());
    }
    // The blocker still holds the pool's only thread: nothing waits for it.
    QVERIFY(group->join(QDeadlineTimer(Patience)));
    QCOMPARE(group->finishedCount(), N);
    QCOMPARE(group->failedCount(), 0);
    QCOMPARE(ran.load(), 0);
    gated.open();
    QVERIFY(gated.pool()->waitForDone(Patience));
    TestUtil::settle();
    QCOMPARE(ran.load(), 0);
    QCOMPARE(group->finishedCount(), N);
    QVERIFY(group->isIdle());
}

void tst_Feed::clearAfterSliceCancelsTheRest_data()
{
    QTest::addColumn<bool>("usePost");
    QTest::newRow("spawn") << false;
    QTest::newRow("post") << true;
}

// The feed's runner gave the pool's only thread back after its slice and waits in the pool's queue
// behind a foreign runnable; clear() drops it: the tasks done stay done, the rest end canceled.
void tst_Feed::clearAfterSliceCancelsTheRest()
{
    QFETCH(bool, usePost);
    constexpr int N = 300;
    std::atomic<int> ran { 0 };
    QSemaphore blockerStarted;
    std::vector<QFuture<void>> futures;
    GatedPool gated(1);
    Group group;
    const auto work = [&ran] {
        QThread::usleep(1000);
        ++ran;
    };
    for (int i = 0; i < N; ++i) {
        if (usePost)
            group.post(gated.pool(), work);
        else
            futures.push_back(group.spawn(gated.pool(), work));
    }
    startForeign(gated.pool(), [&] {
        blockerStarted.release();
        gated.wait();
    });
    QVERIFY(blockerStarted.tryAcquire(1, Patience));
    // The blocker holds the only thread: no task runs until it is released.
    const int ranBeforeClear = ran.load();
    QVERIFY(ranBeforeClear >= 1);
    QVERIFY(ranBeforeClear < N);
    gated.pool()->clear();
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(group.finishedCount(), N);
    QCOMPARE(group.failedCount(), 0);
    if (!usePost) {
        const auto canceled = std::count_if(futures.begin(), futures.end(),
                                            [](const QFuture<void> &f) { return f.isCanceled(); });
        QCOMPARE(int(canceled), N - ranBeforeClear);
    }
    gated.open();
    QVERIFY(gated.pool()->waitForDone(Patience));
    TestUtil::settle();
    QCOMPARE(ran.load(), ranBeforeClear);
}

// A custom pool is destroyed and a new one made at the same address, with another thread count:
// work on the new pool runs, on as many threads as the new pool has.
void tst_Feed::poolRecreatedAtSameAddress()
{
    std::atomic<int> sum { 0 };
    std::atomic<int> aSaw { -1 };
    QSemaphore bRan;
    std::optional<QThreadPool> pool; // emplaced again: the same address every round
    QThreadPool *firstAddress = nullptr;
    for (int round = 0; round < 4; ++round) {
        const bool twoThreads = round % 2 == 1;
        sum = 0;
        aSaw = -1;
        pool.emplace();
        if (!firstAddress)
            firstAddress = &*pool;
        QVERIFY(&*pool == firstAddress);
        pool->setMaxThreadCount(twoThreads ? 2 : 1);
        Group group;
        if (twoThreads) {
            group.post(&*pool, [&] { aSaw = bRan.tryAcquire(1, Patience / 3) ? 1 : 0; });
            group.post(&*pool, [&] { bRan.release(); });
        }
        for (int i = 0; i < 50; ++i)
            group.post(&*pool, [&sum, i] { sum += i; });
        QVERIFY(group.join(QDeadlineTimer(Patience)));
        QCOMPARE(sum.load(), 50 * 49 / 2);
        if (twoThreads)
            QCOMPARE(aSaw.load(), 1);
        pool.reset();
    }
}

void tst_Feed::manyTasks_data()
{
    QTest::addColumn<GroupKind>("kind");
    QTest::addColumn<bool>("ownPool");
    QTest::newRow("Group, global pool") << GroupKind::Group << false;
    QTest::newRow("Group, own pool") << GroupKind::Group << true;
    QTest::newRow("Pool(3), global pool") << GroupKind::Pool << false;
    QTest::newRow("Pool(3), own pool") << GroupKind::Pool << true;
    QTest::newRow("OrderedBag, global pool") << GroupKind::OrderedBag << false;
    QTest::newRow("OrderedBag, own pool") << GroupKind::OrderedBag << true;
}

// 20,000 tasks, half posted and half spawned: all counted, every result right.
void tst_Feed::manyTasks()
{
    QFETCH(GroupKind, kind);
    QFETCH(bool, ownPool);
    constexpr int N = 20000;
    std::atomic<qint64> postedSum { 0 };
    QThreadPool own;
    own.setMaxThreadCount(3);
    QThreadPool *const pool = ownPool ? &own : nullptr;
    const std::unique_ptr<Group> group = makeGroup(kind, kind == GroupKind::Pool ? 3 : 0);
    std::vector<QFuture<int>> futures;
    futures.reserve(N / 2);
    for (int i = 0; i < N; ++i) {
        if (i % 2) {
            futures.push_back(group->spawn(pool, [i] { return i; }));
        } else {
            group->post(pool, [&postedSum, i] {
                postedSum += i;
                return i;
            });
        }
    }
    if (kind == GroupKind::OrderedBag) {
        QList<int> got;
        got.reserve(N);
        for (const QVariant &value : static_cast<OrderedBag *>(group.get())->yielding())
            got << value.toInt();
        QCOMPARE(got, TestUtil::range(N));
    }
    QVERIFY(group->join(QDeadlineTimer(4 * Patience)));
    QCOMPARE(group->spawnedCount(), N);
    QCOMPARE(group->finishedCount(), N);
    QCOMPARE(group->failedCount(), 0);
    QCOMPARE(postedSum.load(), qint64(N / 2) * qint64(N / 2 - 1)); // 0 + 2 + ... + (N - 2)
    int wrong = 0;
    for (int j = 0; j < N / 2; ++j) {
        if (!futures[j].isFinished() || futures[j].isCanceled() || futures[j].result() != 2 * j + 1)
            ++wrong;
    }
    QCOMPARE(wrong, 0);
}

QTEST_GUILESS_MAIN(tst_Feed)

void tst_Feed::resultsNobodyHoldsAreFreed_data()
{
    QTest::addColumn<int>("tasks");
    QTest::addColumn<bool>("ownPool");
    // Fewer tasks than a spawn frees at once (GroupCore::RanJobsBatch), and more.
    for (const int tasks : { 10, 300 }) {
        QTest::addRow("%d, global pool", tasks) << tasks << false;
        QTest::addRow("%d, own pool", tasks) << tasks << true;
    }
}

// A spawned task whose future nobody kept holds its result only in the job that ran it: once the
// group's work is over, no finished job may be left holding one, even though nothing is spawned
// after it. (The group frees its jobs as it drains. A feed that left what a retiring runner
// found for the next spawn to free failed this: the last jobs waited for a spawn.)
void tst_Feed::resultsNobodyHoldsAreFreed()
{
    QFETCH(int, tasks);
    QFETCH(bool, ownPool);
    QThreadPool own;
    own.setMaxThreadCount(2);
    QThreadPool *const pool = ownPool ? &own : nullptr;
    std::mutex mutex;
    std::vector<std::weak_ptr<int>> made;
    Group group;
    for (int i = 0; i < tasks; ++i) {
        group.spawn(pool, [&mutex, &made, i] {
            auto result = std::make_shared<int>(i);
            std::lock_guard lock(mutex);
            made.push_back(result);
            return result;
        });
    }
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    const auto held = [&mutex, &made] {
        std::lock_guard lock(mutex);
        return std::count_if(made.begin(), made.end(), [](const auto &w) { return !w.expired(); });
    };
    QTRY_COMPARE_WITH_TIMEOUT(held(), 0, Patience);
    QCOMPARE(int(made.size()), tasks);
}

#include "tst_feed.moc"
