// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Group::post() (fire and forget) and the thread-pool feed that carries thread-pool work (spawned
// and posted) to a QThreadPool through a few runners of its own.

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include "gate.h"
#include "groupkind.h"
#include "readyfuture.h"
#include "testutil.h"

#include <QtCore/qmutex.h>
#include <QtCore/qpointer.h>
#include <QtCore/qrunnable.h>
#include <QtCore/qsemaphore.h>
#include <QtCore/qset.h>
#include <QtCore/qthread.h>
#include <QtCore/qthreadpool.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using AioUtils::Bag;
using AioUtils::Group;
using AioUtils::OrderedBag;
using AioUtils::Pool;
using TestUtil::delayed;
using TestUtil::GatedPool;
using TestUtil::GroupKind;
using TestUtil::makeGroup;
using TestUtil::NotAnStdException;
using TestUtil::Patience;
using TestUtil::raiseTo;
using TestUtil::sortedInts;

namespace {

QString messageOf(const std::exception_ptr &failure)
{
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception &e) {
        return QString::fromLocal8Bit(e.what());
    } catch (...) {
        return QStringLiteral("unknown exception");
    }
}

// Captured by a task: its destructor (of the one armed instance, not of the moved-from ones)
// takes a while, then says it ran. Tells whether a task's captures are gone when join() returns.
class SlowToDestroy
{
public:
    explicit SlowToDestroy(std::atomic<bool> *destroyed) : m_destroyed(destroyed) { }
    SlowToDestroy(SlowToDestroy &&other) noexcept
        : m_destroyed(other.m_destroyed), m_armed(std::exchange(other.m_armed, false))
    {
    }
    SlowToDestroy(const SlowToDestroy &) = delete;
    SlowToDestroy &operator=(const SlowToDestroy &) = delete;
    SlowToDestroy &operator=(SlowToDestroy &&) = delete;
    ~SlowToDestroy()
    {
        if (!m_armed)
            return;
        // Work inside the task's own lifetime, so that it cannot look done before it is.
        QThread::msleep(200);
        m_destroyed->store(true);
    }
    bool isArmed() const { return m_armed; }

private:
    std::atomic<bool> *m_destroyed;
    bool m_armed = true;
};

} // namespace

class tst_Post : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();

    // Group::post()
    void postRunsOnThreadPool_data();
    void postRunsOnThreadPool();
    void postedFutureWork();
    void postedCountsAndLimit_data();
    void postedCountsAndLimit();
    void postedFifoWithSpawned();
    void postedFailure_data();
    void postedFailure();
    void postedCancelOnFailure_data();
    void postedCancelOnFailure();
    void cancelSkipsPostedNotBegun();
    void cancelFromAnotherThreadWhilePosting();
    void destroyMidRoundWithPosted_data();
    void destroyMidRoundWithPosted();
    void bagKeepsPostedResults();
    void orderedBagKeepsOrderAcrossPostAndSpawn_data();
    void orderedBagKeepsOrderAcrossPostAndSpawn();
    void postFromSeveralThreads_data();
    void postFromSeveralThreads();
    void nestedPostsFromWorkerThreads();
    void joinInsidePostedTaskRefuses();
    void capturesGoneWhenJoinReturns_data();
    void capturesGoneWhenJoinReturns();
};

void tst_Post::init()
{
    // The global pool has only as many threads as cores; tests that block threads use their own.
    QThreadPool::globalInstance()->waitForDone();
}

void tst_Post::postRunsOnThreadPool_data()
{
    QTest::addColumn<bool>("ownPool");
    QTest::newRow("global pool") << false;
    QTest::newRow("given pool") << true;
}

// Work returning a plain value runs on a thread pool (the given one, if any), not on the group's
// thread; post() returns nothing; every task is counted.
void tst_Post::postRunsOnThreadPool()
{
    QFETCH(bool, ownPool);
    constexpr int N = 300;
    QThread *const mainThread = QThread::currentThread();
    std::atomic<int> sum { 0 };
    std::atomic<int> onMainThread { 0 };
    std::atomic<int> offThePool { 0 };
    QThreadPool own;
    own.setMaxThreadCount(1);
    QThreadPool *const pool = ownPool ? &own : nullptr;
    Group group;
    const auto noop = [] {};
    static_assert(std::is_void_v<decltype(group.post(noop))>);
    static_assert(std::is_void_v<decltype(group.post(pool, noop))>);

    const auto work = [&](int a, int b) {
        sum += a + b;
        if (QThread::currentThread() == mainThread)
            ++onMainThread;
        // A task running on `own` keeps one of its threads active.
        if (pool && own.activeThreadCount() == 0)
            ++offThePool;
    };
    for (int i = 0; i < N; ++i) {
        if (pool)
            group.post(pool, work, i, 1);
        else
            group.post(work, i, 1);
    }
    QCOMPARE(group.spawnedCount(), N);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(sum.load(), N * (N - 1) / 2 + N);
    QCOMPARE(onMainThread.load(), 0);
    QCOMPARE(offThePool.load(), 0);
    QCOMPARE(group.spawnedCount(), N);
    QCOMPARE(group.finishedCount(), N);
    QCOMPARE(group.failedCount(), 0);
    QCOMPARE(group.runningCount(), 0);
    QCOMPARE(group.queuedCount(), 0);
}

// Work returning a QFuture is called on the group's thread, even when posted from another thread;
// the task ends when that future does.
void tst_Post::postedFutureWork()
{
    QThread *const mainThread = QThread::currentThread();
    QPromise<int> promise;
    promise.start();
    int calls = 0;
    QThread *calledOn = nullptr;
    std::atomic<QThread *> postedFromWorkerCalledOn { nullptr };
    std::atomic<QThread *> nestedCalledOn { nullptr };
    Group group;
    group.post([&] {
        ++calls;
        calledOn = QThread::currentThread();
        return promise.future();
    });
    // A free slot, on the group's thread: called at once.
    QCOMPARE(calls, 1);
    QCOMPARE(calledOn, mainThread);
    QCOMPARE(group.runningCount(), 1);
    TestUtil::settle();
    // The task lasts as long as the future it returned.
    QVERIFY(!group.isIdle());
    QCOMPARE(group.finishedCount(), 0);
    promise.addResult(1);
    promise.finish();
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(group.finishedCount(), 1);
    QCOMPARE(group.failedCount(), 0);

    // Posted from a std::thread, and from a task on a thread-pool thread.
    std::thread poster([&] {
        group.post([&] {
            postedFromWorkerCalledOn = QThread::currentThread();
            return delayed(5, 2);
        });
    });
    poster.join();
    group.post([&] {
        group.post([&] {
            nestedCalledOn = QThread::currentThread();
            return delayed(5);
        });
    });
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(postedFromWorkerCalledOn.load(), mainThread);
    QCOMPARE(nestedCalledOn.load(), mainThread);
    QCOMPARE(group.spawnedCount(), 3);
    QCOMPARE(group.finishedCount(), 3);
}

void tst_Post::postedCountsAndLimit_data()
{
    QTest::addColumn<GroupKind>("kind");
    QTest::newRow("Group, maxConcurrency 2") << GroupKind::Group;
    QTest::newRow("Pool(2)") << GroupKind::Pool;
}

// Posted tasks count as spawned, running, queued and finished, and take slots of the limit like
// spawned ones.
void tst_Post::postedCountsAndLimit()
{
    QFETCH(GroupKind, kind);
    std::atomic<int> inFlight { 0 };
    std::atomic<int> maxInFlight { 0 };
    std::atomic<int> ran { 0 };
    QSemaphore started;
    GatedPool gated(4); // more threads than the limit
    const std::unique_ptr<Group> group = makeGroup(kind, 2);
    const auto work = [&] {
        raiseTo(maxInFlight, ++inFlight);
        started.release();
        const bool opened = gated.wait();
        --inFlight;
        ++ran;
        return opened;
    };
    group->post(gated.pool(), work);
    group->post(gated.pool(), work);
    group->post(gated.pool(), work);
    const QFuture<bool> spawned = group->spawn(gated.pool(), work);
    group->post(gated.pool(), work);
    group->post([&] {
        ++ran;
        return delayed(5, 0);
    });
    QCOMPARE(group->spawnedCount(), 6);
    QCOMPARE(group->runningCount(), 2);
    QCOMPARE(group->queuedCount(), 4);
    QCOMPARE(group->finishedCount(), 0);
    QVERIFY(started.tryAcquire(2, Patience));
    QCOMPARE(maxInFlight.load(), 2);
    QCOMPARE(group->runningCount(), 2);
    QCOMPARE(group->queuedCount(), 4);
    gated.open();
    QVERIFY(group->join(QDeadlineTimer(Patience)));
    QCOMPARE(ran.load(), 6);
    QCOMPARE(maxInFlight.load(), 2);
    QVERIFY(spawned.result());
    QCOMPARE(group->spawnedCount(), 6);
    QCOMPARE(group->finishedCount(), 6);
    QCOMPARE(group->failedCount(), 0);
    QCOMPARE(group->runningCount(), 0);
    QCOMPARE(group->queuedCount(), 0);
}

// Queued posted and spawned tasks, thread-pool and future-returning, start in the order they were
// posted or spawned.
void tst_Post::postedFifoWithSpawned()
{
    constexpr int N = 24;
    QMutex mutex;
    QList<int> order;
    QSemaphore started;
    std::vector<QFuture<int>> futures;
    GatedPool gated(2);
    Group group;
    group.setMaxConcurrency(1);
    group.post(gated.pool(), [&] {
        started.release();
        gated.wait();
    });
    const auto log = [&](int i) {
        QMutexLocker lock(&mutex);
        order << i;
    };
    for (int i = 0; i < N; ++i) {
        switch (i % 4) {
        case 0:
            group.post(gated.pool(), log, i);
            break;
        case 1:
            futures.push_back(group.spawn(gated.pool(), [log, i] {
                log(i);
                return i;
            }));
            break;
        case 2:
            group.post([log, i] {
                log(i);
                return delayed(1, i);
            });
            break;
        case 3:
            futures.push_back(group.spawn([log, i] {
                log(i);
                return delayed(1, i);
            }));
            break;
        }
    }
    QVERIFY(started.tryAcquire(1, Patience));
    QCOMPARE(group.queuedCount(), N);
    gated.open();
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(order, TestUtil::range(N));
    QCOMPARE(group.finishedCount(), N + 1);
    for (const QFuture<int> &future : futures)
        QVERIFY(future.isFinished() && !future.isCanceled());
}

void tst_Post::postedFailure_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("message");
    QTest::addColumn<int>("tasks");
    QTest::newRow("thread-pool work throws") << 0 << QStringLiteral("pool boom") << 1;
    QTest::newRow("thread-pool work throws no std::exception")
            << 1 << QStringLiteral("unknown exception") << 1;
    QTest::newRow("future-returning work throws") << 2 << QStringLiteral("sync boom") << 1;
    QTest::newRow("returned future fails") << 3 << QStringLiteral("late boom") << 1;
    QTest::newRow("queued thread-pool work throws") << 4 << QStringLiteral("queued boom") << 2;
    QTest::newRow("valued work throws on a given pool") << 5 << QStringLiteral("valued boom") << 1;
}

// A posted task that throws, or whose future fails, is a failure like any: counted, signaled with
// its message, kept as firstFailure() and rethrown by join().
void tst_Post::postedFailure()
{
    QFETCH(int, kind);
    QFETCH(QString, message);
    QFETCH(int, tasks);
    QThreadPool own;
    Group group;
    QSignalSpy failed(&group, &Group::taskFailed);
    switch (kind) {
    case 0:
        group.post([] { throw std::runtime_error("pool boom"); });
        break;
    case 1:
        group.post([] { throw NotAnStdException(); });
        break;
    case 2:
        group.post([]() -> QFuture<int> { throw std::logic_error("sync boom"); });
        break;
    case 3:
        group.post([] { return TestUtil::failingAfter(10, "late boom"); });
        break;
    case 4:
        group.setMaxConcurrency(1);
        group.spawn([] { return delayed(10, 0); });
        group.post([] { throw std::runtime_error("queued boom"); });
        QCOMPARE(group.queuedCount(), 1);
        break;
    case 5:
        group.post(&own, []() -> int { throw std::runtime_error("valued boom"); });
        break;
    }
    QTRY_VERIFY_WITH_TIMEOUT(group.firstFailure() != nullptr, Patience);
    QCOMPARE(messageOf(group.firstFailure()), message);
    std::exception_ptr thrown;
    try {
        group.join(QDeadlineTimer(Patience));
    } catch (...) {
        thrown = std::current_exception();
    }
    QVERIFY(thrown);
    QCOMPARE(messageOf(thrown), message);
    QCOMPARE(group.failedCount(), 1);
    QCOMPARE(group.finishedCount(), tasks);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toString(), message);
    // Rethrown once: the next join() is clean.
    QVERIFY(!group.firstFailure());
    QVERIFY(group.join(QDeadlineTimer(0)));
}

void tst_Post::postedCancelOnFailure_data()
{
    QTest::addColumn<int>("limit");
    QTest::newRow("unlimited: the rest handed to the pool") << 0;
    QTest::newRow("maxConcurrency 3: the rest mostly queued") << 3;
}

// CancelOnFailure: a posted task that throws cancels the rest. Posted tasks behind it, queued or
// handed to the pool but not begun, never run; a spawned task's future is canceled.
void tst_Post::postedCancelOnFailure()
{
    QFETCH(int, limit);
    std::atomic<int> ran { 0 };
    bool futureWorkCalled = false;
    QSemaphore started;
    GatedPool gated(1);
    Group group;
    group.setFailurePolicy(Group::CancelOnFailure);
    group.setMaxConcurrency(limit);
    QSignalSpy failed(&group, &Group::taskFailed);
    group.post(gated.pool(), [&] {
        started.release();
        gated.wait();
    });
    group.post(gated.pool(), [] { throw std::runtime_error("stop"); });
    for (int i = 0; i < 10; ++i)
        group.post(gated.pool(), [&ran] { ++ran; });
    const QFuture<int> slow = group.spawn([] { return delayed(60000, 1); });
    group.post([&] {
        futureWorkCalled = true;
        return delayed(60000);
    });
    QCOMPARE(group.spawnedCount(), 14);
    QVERIFY(started.tryAcquire(1, Patience));
    gated.open();
    try {
        group.join(QDeadlineTimer(Patience));
        QFAIL("join() did not rethrow");
    } catch (const std::runtime_error &e) {
        QCOMPARE(QByteArray(e.what()), QByteArray("stop"));
    }
    QVERIFY(group.isIdle());
    QCOMPARE(failed.count(), 1);
    QCOMPARE(group.failedCount(), 1);
    QCOMPARE(group.finishedCount(), 14);
    // Started, it is the work's own future: canceled (its timer would finish it a minute later).
    // Queued, the future spawn() made: canceled and finished.
    QVERIFY(slow.isCanceled());
    if (limit > 0) {
        QVERIFY(slow.isFinished());
        QVERIFY(!futureWorkCalled);
    }
    QVERIFY(gated.pool()->waitForDone(Patience));
    TestUtil::settle();
    QCOMPARE(ran.load(), 0);
    QCOMPARE(group.finishedCount(), 14);
    QCOMPARE(group.failedCount(), 1);
}

// cancel(): queued posted tasks never run; those handed to the pool but not begun are skipped; the
// running one goes on (nothing can interrupt it). The round ends at once; the running one's late
// failure is then recorded in it, counted and signaled, not dropped.
void tst_Post::cancelSkipsPostedNotBegun()
{
    std::atomic<int> othersRan { 0 };
    std::atomic<bool> lateEnded { false };
    QSemaphore started;
    GatedPool gated(1);
    Group group;
    group.setMaxConcurrency(6);
    QSignalSpy finished(&group, &Group::finished);
    QSignalSpy failed(&group, &Group::taskFailed);
    group.post(gated.pool(), [&] {
        started.release();
        gated.wait();
        lateEnded = true;
        throw std::runtime_error("late");
    });
    for (int i = 0; i < 5; ++i) // handed to the pool, behind the running one
        group.post(gated.pool(), [&othersRan] { ++othersRan; });
    for (int i = 0; i < 4; ++i) // queued in the group
        group.post(gated.pool(), [&othersRan] { ++othersRan; });
    for (int i = 0; i < 3; ++i) { // queued in the group, future-returning
        group.post([&othersRan] {
            ++othersRan;
            return delayed(1);
        });
    }
    QCOMPARE(group.runningCount(), 6);
    QCOMPARE(group.queuedCount(), 7);
    QVERIFY(started.tryAcquire(1, Patience));

    group.cancel();
    QVERIFY(group.isIdle());
    QCOMPARE(finished.count(), 1);
    QCOMPARE(group.runningCount(), 0);
    QCOMPARE(group.queuedCount(), 0);
    QCOMPARE(group.finishedCount(), 13);
    QCOMPARE(group.failedCount(), 0);
    QVERIFY(group.join(QDeadlineTimer(0)));

    gated.open();
    QVERIFY(gated.pool()->waitForDone(Patience));
    QVERIFY(lateEnded.load());
    // The running one's failure is not dropped: recorded in the canceled round, counted,
    // signaled, and rethrown by the next join().
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, Patience);
    TestUtil::settle();
    QCOMPARE(othersRan.load(), 0);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.first().first().toString(), QStringLiteral("late"));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(group.failedCount(), 1);
    QCOMPARE(group.failures().size(), 1);
    QCOMPARE(group.finishedCount(), 13);
    QCOMPARE(group.spawnedCount(), 13);
    QVERIFY(group.isIdle());
    QVERIFY(group.firstFailure());
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, group.join(QDeadlineTimer(0)));
    QVERIFY(!group.firstFailure());

    // Still usable: the next round's posted work runs.
    group.post(gated.pool(), [&othersRan] { ++othersRan; });
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(othersRan.load(), 1);
    QCOMPARE(group.spawnedCount(), 1);
    QCOMPARE(group.finishedCount(), 1);
}

// One thread posts while another cancels: every task is accounted for exactly once.
void tst_Post::cancelFromAnotherThreadWhilePosting()
{
    constexpr int N = 2000;
    std::atomic<int> ran { 0 };
    std::atomic<int> posted { 0 };
    std::atomic<int> postedWhenCanceled { -1 };
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    Group group;
    group.setMaxConcurrency(4);
    {
        TestUtil::Threads threads;
        threads.start([&] {
            for (int i = 0; i < N; ++i) {
                if (i % 10 == 9)
                    group.post([&ran] {
                        ++ran;
                        return TestUtil::readyFuture(1);
                    });
                else
                    group.post(&pool, [&ran] { ++ran; });
                ++posted;
            }
        });
        threads.start([&] {
            while (posted.load() < N / 4)
                std::this_thread::yield();
            group.cancel();
            postedWhenCanceled = posted.load();
        });
        threads.joinAll();
    }
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QVERIFY(pool.waitForDone(Patience));
    TestUtil::settle();
    // The group's thread was blocked meanwhile: the round could not end, so it holds every task.
    QCOMPARE(group.spawnedCount(), N);
    QCOMPARE(group.finishedCount(), N);
    QCOMPARE(group.failedCount(), 0);
    // Posts made after cancel() returned (from the one after the one in progress then) belong to
    // the round's new epoch: they all ran.
    QVERIFY(postedWhenCanceled.load() >= N / 4);
    QVERIFY2(ran.load() >= N - (postedWhenCanceled.load() + 1) && ran.load() <= N,
             qPrintable(QStringLiteral("%1 ran, %2 posted when canceled")
                                .arg(ran.load())
                                .arg(postedWhenCanceled.load())));
    QVERIFY(group.isIdle());
}

void tst_Post::destroyMidRoundWithPosted_data()
{
    QTest::addColumn<GroupKind>("kind");
    QTest::newRow("Group") << GroupKind::Group;
    QTest::newRow("Bag") << GroupKind::Bag;
    QTest::newRow("OrderedBag") << GroupKind::OrderedBag;
}

// Destroying the group with posted tasks running, handed to the pool, waiting for their future and
// queued: no crash, no hang, and nothing that had not begun runs later.
void tst_Post::destroyMidRoundWithPosted()
{
    QFETCH(GroupKind, kind);
    std::atomic<int> ran { 0 };
    std::atomic<bool> firstEnded { false };
    int futureCalls = 0;
    QSemaphore started;
    QPromise<int> waiting;
    waiting.start();
    GatedPool gated(1);
    std::unique_ptr<Group> group = makeGroup(kind, 4);
    // Running:
    group->post(gated.pool(), [&] {
        started.release();
        gated.wait();
        firstEnded = true;
        return 1;
    });
    // Handed to the pool, not begun:
    group->post(gated.pool(), [&ran] { ++ran; });
    group->post(gated.pool(), [&ran] { return ++ran; });
    // Running, waiting for its future:
    group->post([&] {
        ++futureCalls;
        return waiting.future();
    });
    // Queued:
    group->post(gated.pool(), [&ran] { ++ran; });
    group->post([&] {
        ++futureCalls;
        return delayed(1, 3);
    });
    group->post(gated.pool(), [&ran] { return ++ran; });
    QCOMPARE(group->runningCount(), 4);
    QCOMPARE(group->queuedCount(), 3);
    QCOMPARE(futureCalls, 1);
    QVERIFY(started.tryAcquire(1, Patience));

    group.reset();
    // The future the destroyed group's task waited for ends now: nothing happens.
    waiting.addResult(4);
    waiting.finish();
    gated.open();
    QVERIFY(gated.pool()->waitForDone(Patience));
    TestUtil::settle();
    QVERIFY(firstEnded.load());
    QCOMPARE(ran.load(), 0);
    QCOMPARE(futureCalls, 1);
}

// In a Bag a posted task's value is a result; void, and a type QVariant cannot hold, give none.
void tst_Post::bagKeepsPostedResults()
{
    Bag bag;
    QList<int> expected;
    for (int i = 0; i < 6; ++i) {
        bag.post([i] { return i; });
        expected << i;
    }
    bag.post([] {});
    bag.post([] { return std::make_unique<int>(7); });
    for (int i = 0; i < 6; ++i) {
        bag.post([i] { return delayed(5 * i, 10 + i); });
        expected << 10 + i;
    }
    bag.post([] { return delayed(1); });
    bag.post([](int a, int b) { return a * b; }, 4, 5);
    expected << 20;
    bag.spawn([] { return 30; });
    expected << 30;
    QVERIFY(bag.join(QDeadlineTimer(Patience)));
    QCOMPARE(bag.spawnedCount(), 17);
    QCOMPARE(bag.finishedCount(), 17);
    QCOMPARE(bag.failedCount(), 0);
    QCOMPARE(sortedInts(bag.takeAll()), expected);
}

void tst_Post::orderedBagKeepsOrderAcrossPostAndSpawn_data()
{
    QTest::addColumn<int>("poolSize");
    QTest::newRow("OrderedBag") << 0;
    QTest::newRow("OrderedBag(3)") << 3;
}

// An OrderedBag delivers posted and spawned tasks' results in the order they were posted or
// spawned, though they complete roughly in reverse; void tasks take no place.
void tst_Post::orderedBagKeepsOrderAcrossPostAndSpawn()
{
    QFETCH(int, poolSize);
    constexpr int N = 24;
    QThreadPool pool;
    pool.setMaxThreadCount(4);
    OrderedBag bag(poolSize);
    QList<int> expected;
    for (int i = 0; i < N; ++i) {
        const int ms = (N - i) * 3;
        switch (i % 6) {
        case 0:
            bag.post(&pool, [i, ms] {
                QThread::usleep(ms * 1000);
                return i;
            });
            expected << i;
            break;
        case 1:
            bag.spawn([i, ms] { return delayed(ms, i); });
            expected << i;
            break;
        case 2:
            bag.post([i, ms] { return delayed(ms, i); });
            expected << i;
            break;
        case 3:
            bag.post(&pool, [ms] { QThread::usleep(ms * 1000); });
            break;
        case 4:
            bag.spawn(&pool, [i, ms] {
                QThread::usleep(ms * 1000);
                return i;
            });
            expected << i;
            break;
        case 5:
            bag.post([ms] { return delayed(ms); });
            break;
        }
    }
    QList<int> got;
    for (const QVariant &value : bag.yielding())
        got << value.toInt();
    QCOMPARE(got, expected);
    QCOMPARE(bag.finishedCount(), N);
}

void tst_Post::postFromSeveralThreads_data()
{
    QTest::addColumn<int>("poolSize");
    QTest::newRow("Bag") << 0;
    QTest::newRow("Bag(3)") << 3;
}

// 4 std::threads post into one Bag at once, thread-pool and future-returning work mixed.
void tst_Post::postFromSeveralThreads()
{
    QFETCH(int, poolSize);
    constexpr int Threads = 4;
    constexpr int PerThread = 500;
    Bag bag(poolSize);
    std::atomic<bool> go { false };
    {
        TestUtil::Threads threads;
        for (int t = 0; t < Threads; ++t) {
            threads.start([&bag, &go, t] {
                while (!go)
                    std::this_thread::yield();
                for (int i = 0; i < PerThread; ++i) {
                    const int value = t * PerThread + i;
                    if (i % 2)
                        bag.post([value] { return value; });
                    else
                        bag.post([value] { return TestUtil::readyFuture(value); });
                }
            });
        }
        go = true;
        threads.joinAll();
    }
    QVERIFY(bag.join(QDeadlineTimer(Patience)));
    QCOMPARE(bag.spawnedCount(), Threads * PerThread);
    QCOMPARE(bag.finishedCount(), Threads * PerThread);
    QCOMPARE(bag.failedCount(), 0);
    QCOMPARE(sortedInts(bag.takeAll()), TestUtil::range(Threads * PerThread));
}

// Posted tasks on worker threads post children before they end: join() waits for them all.
void tst_Post::nestedPostsFromWorkerThreads()
{
    Group group;
    std::atomic<int> leaves { 0 };
    std::function<void(int)> branch = [&](int depth) {
        if (depth == 0) {
            ++leaves;
            return;
        }
        for (int i = 0; i < 3; ++i)
            group.post(branch, depth - 1);
    };
    group.post(branch, 5);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(leaves.load(), 243);
    QCOMPARE(group.spawnedCount(), 1 + 3 + 9 + 27 + 81 + 243);
    QCOMPARE(group.finishedCount(), group.spawnedCount());
}

// join() inside a posted task would wait for itself: it refuses.
void tst_Post::joinInsidePostedTaskRefuses()
{
    const char warning[] = "AioUtils::Group::join: called from inside one of the group's own "
                           "tasks, which would wait for itself; returning false";
    Group group;
    std::atomic<int> fromWorker { -1 };
    int fromGroupThread = -1;
    QTest::ignoreMessage(QtWarningMsg, warning);
    group.post([&] { fromWorker = group.join(QDeadlineTimer(Patience)) ? 1 : 0; });
    QTest::ignoreMessage(QtWarningMsg, warning);
    group.post([&] {
        fromGroupThread = group.join(QDeadlineTimer(Patience)) ? 1 : 0;
        return delayed(1);
    });
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(fromWorker.load(), 0);
    QCOMPARE(fromGroupThread, 0);
}

void tst_Post::capturesGoneWhenJoinReturns_data()
{
    QTest::addColumn<bool>("usePost");
    QTest::newRow("spawn") << false;
    QTest::newRow("post") << true;
}

// When join() returns, a thread-pool task's captures are destroyed already, as spawn() makes sure
// ("the work's captures go now, on this thread, not after the group has seen the end"): a capture
// may refer to what the joining code frees next.
void tst_Post::capturesGoneWhenJoinReturns()
{
    QFETCH(bool, usePost);
    std::atomic<bool> destroyed { false };
    QThreadPool pool; // waits for the task (and its captures) before `destroyed` goes
    Group group;
    auto work = [probe = SlowToDestroy(&destroyed)] { return probe.isArmed(); };
    if (usePost)
        group.post(&pool, std::move(work));
    else
        group.spawn(&pool, std::move(work));
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QVERIFY2(destroyed.load(), "join() returned while the task's captures were still alive");
}

QTEST_GUILESS_MAIN(tst_Post)
#include "tst_post.moc"
