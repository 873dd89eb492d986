// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/Pool>

#include "gate.h"
#include "testutil.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qfuturewatcher.h>
#include <QtCore/qmetaobject.h>
#include <QtCore/qmutex.h>
#include <QtCore/qpointer.h>
#include <QtCore/qprocess.h>
#include <QtCore/qregularexpression.h>
#include <QtCore/qscopeguard.h>
#include <QtCore/qsemaphore.h>
#include <QtCore/qthreadpool.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

using AioUtils::Group;
using AioUtils::Pool;
using TestUtil::Gates;
using TestUtil::raiseTo;

namespace {

// How a test's tasks are made.
enum class Kind {
    Future, // a callable returning QFuture<int>: runs on the pool's thread, ends with its future
    ThreadPool, // a callable returning int: runs on a thread pool
    Mixed,      // alternating, starting with Future
};

// Thread-pool work that blocks until the test lets it go, on a thread pool of its own with more
// threads than any pool under test, so that a limit seen is the Pool's and not the threads'.
class Blocked
{
public:
    Blocked() { threads.setMaxThreadCount(8); }
    ~Blocked()
    {
        // Never leave work blocked behind a failed check: the thread pool waits for it.
        go.release(1 << 20);
        threads.waitForDone();
        // The work's last touch of this object is `--inside`. QThreadPool's own synchronization is
        // invisible to ThreadSanitizer (Qt is not instrumented); reading `inside` makes the
        // hand-back visible, so that the next test reusing this stack memory is not reported.
        Q_UNUSED(inside.load());
    }

    auto work(int value)
    {
        return [this, value]() -> int {
            ++entered;
            raiseTo(maxInside, ++inside);
            go.tryAcquire(1, 30000);
            --inside;
            return value;
        };
    }

    QSemaphore go;
    std::atomic<int> entered { 0 };
    std::atomic<int> inside { 0 };
    std::atomic<int> maxInside { 0 };
    QThreadPool threads; // last: destroyed first, once ~Blocked() has let the work go
};

QFuture<int> readyFuture(int value)
{
    QPromise<int> promise;
    promise.start();
    promise.addResult(value);
    promise.finish();
    return promise.future();
}

// Work that takes a little while, so that tasks running at once overlap: computes, not sleeps.
void busyFor(int microseconds)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.nsecsElapsed() < qint64(microseconds) * 1000) { }
}

// Set in the child process that runs a test which may crash.
constexpr char childVariable[] = "AIOUTILS_TST_POOL_CHILD";

} // namespace

Q_DECLARE_METATYPE(Kind)

class tst_Pool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void limitsFutureTasks();
    void limitsThreadPoolTasks();
    void startsInSpawnOrder_data();
    void startsInSpawnOrder();
    void sizeBelowOne_data();
    void sizeBelowOne();
    void setSizeStartsQueued();
    void setSizeShrinks();
    void freeCount_data();
    void freeCount();
    void waitAvailable_data();
    void waitAvailable();
    void waitAvailableFromOtherThread();
    void adoptedFuturesRunAtOnce();
    void canceledQueuedTaskNeverStarts_data();
    void canceledQueuedTaskNeverStarts();
    void queuedFutureStartsWithItsWork();
    void sizeProperty();
    void failurePolicy_data();
    void failurePolicy();
    void cancelOnFailureSettlesBeforeJoinReturns();
    void spawnFromManyThreads_data();
    void spawnFromManyThreads();
    void threadPoolWorkNeedsNoPoolThread();
    void destroyMidRound_data();
    void destroyMidRound();
    void thenOnSpawnedFuture_data();
    void thenOnSpawnedFuture();
    void adoptKeepsContinuation();
    void manyReadyFuturesQueued();
};

// Pool(3) runs 9 tasks of 100 ms in three waves, never more than 3 at once.
void tst_Pool::limitsFutureTasks()
{
    // Shared with the continuations, which may outlive a test that failed early.
    const auto current = std::make_shared<int>(0);
    const auto maxCurrent = std::make_shared<int>(0);
    int maxRunning = 0;
    Pool pool(3);
    connect(&pool, &Group::countsChanged, this,
            [&] { maxRunning = std::max(maxRunning, pool.runningCount()); });

    QElapsedTimer timer;
    timer.start();
    QList<QFuture<int>> futures;
    for (int i = 0; i < 9; ++i) {
        futures << pool.spawn([current, maxCurrent, i] {
            *maxCurrent = std::max(*maxCurrent, ++*current);
            return TestUtil::delayed(100, i).then([current](int value) {
                --*current;
                return value;
            });
        });
    }
    QCOMPARE(pool.runningCount(), 3);
    QCOMPARE(pool.queuedCount(), 6);
    QVERIFY(pool.join(QDeadlineTimer(20000)));
    const qint64 elapsed = timer.elapsed();

    QVERIFY2(elapsed >= 250, qPrintable(QStringLiteral("took %1 ms").arg(elapsed)));
    QVERIFY2(elapsed <= 1500, qPrintable(QStringLiteral("took %1 ms").arg(elapsed)));
    QCOMPARE(*maxCurrent, 3);
    QCOMPARE(*current, 0);
    QVERIFY(maxRunning > 0);
    QVERIFY2(maxRunning <= 3, qPrintable(QStringLiteral("runningCount %1").arg(maxRunning)));
    QCOMPARE(pool.spawnedCount(), 9);
    QCOMPARE(pool.finishedCount(), 9);
    for (int i = 0; i < 9; ++i)
        QCOMPARE(futures.at(i).result(), i);
}

// The limit holds for thread-pool work too, on a thread pool that would run 8 at once.
void tst_Pool::limitsThreadPoolTasks()
{
    // Declared first, so that the thread pool is done with the tasks before the futures go.
    QList<QFuture<int>> futures;
    Blocked blocked;
    Pool pool(2);
    for (int i = 0; i < 6; ++i)
        futures << pool.spawn(&blocked.threads, blocked.work(i));
    QCOMPARE(pool.runningCount(), 2);
    QCOMPARE(pool.queuedCount(), 4);
    QTRY_COMPARE(blocked.entered.load(), 2);
    QCOMPARE(pool.runningCount(), 2);

    // Each release ends one task and lets exactly one more in.
    for (int released = 1; released <= 6; ++released) {
        blocked.go.release();
        QTRY_COMPARE(blocked.entered.load(), std::min(2 + released, 6));
        QVERIFY(pool.runningCount() <= 2);
    }
    QVERIFY(pool.join(QDeadlineTimer(20000)));
    QCOMPARE(blocked.maxInside.load(), 2);
    QCOMPARE(pool.finishedCount(), 6);
    for (int i = 0; i < 6; ++i)
        QCOMPARE(futures.at(i).result(), i);
}

void tst_Pool::startsInSpawnOrder_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::newRow("future-returning") << Kind::Future;
    QTest::newRow("thread pool") << Kind::ThreadPool;
    QTest::newRow("mixed") << Kind::Mixed;
}

// Pool(1) starts queued work first in, first out, whichever thread frees the slot.
void tst_Pool::startsInSpawnOrder()
{
    QFETCH(Kind, kind);
    QMutex mutex;
    QList<int> order;
    const auto record = [&](int i) {
        QMutexLocker lock(&mutex);
        order << i;
    };
    const auto waitForWork = qScopeGuard([] { QThreadPool::globalInstance()->waitForDone(); });
    Pool pool(1);
    for (int i = 0; i < 20; ++i) {
        const bool onThreadPool = kind == Kind::ThreadPool || (kind == Kind::Mixed && i % 2);
        if (onThreadPool) {
            pool.spawn([&record, i] {
                record(i);
                return i;
            });
        } else {
            pool.spawn([&record, i] {
                record(i);
                return TestUtil::delayed(1, i);
            });
        }
    }
    QVERIFY(pool.join(QDeadlineTimer(20000)));
    QList<int> expected;
    for (int i = 0; i < 20; ++i)
        expected << i;
    QMutexLocker lock(&mutex);
    QCOMPARE(order, expected);
}

void tst_Pool::sizeBelowOne_data()
{
    QTest::addColumn<bool>("viaSetSize");
    QTest::addColumn<int>("size");
    QTest::addColumn<QByteArray>("warning");
    QTest::newRow("Pool(0)") << false << 0
                             << QByteArray("AioUtils::Pool::Pool: size 0 is below 1; using 1");
    QTest::newRow("Pool(-3)") << false << -3
                              << QByteArray("AioUtils::Pool::Pool: size -3 is below 1; using 1");
    QTest::newRow("Pool(1)") << false << 1 << QByteArray();
    QTest::newRow("setSize(0)") << true << 0
                                << QByteArray(
                                           "AioUtils::Pool::setSize: size 0 is below 1; using 1");
    QTest::newRow("setSize(-3)") << true << -3
                                 << QByteArray(
                                            "AioUtils::Pool::setSize: size -3 is below 1; using 1");
    QTest::newRow("setSize(1)") << true << 1 << QByteArray();
}

// A size below 1 warns, naming the value, and means 1; a valid size does not warn.
void tst_Pool::sizeBelowOne()
{
    QFETCH(bool, viaSetSize);
    QFETCH(int, size);
    QFETCH(QByteArray, warning);
    if (!warning.isEmpty())
        QTest::ignoreMessage(QtWarningMsg, warning.constData());
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));

    std::unique_ptr<Pool> pool;
    if (viaSetSize) {
        pool = std::make_unique<Pool>(4);
        QSignalSpy changed(pool.get(), &Group::maxConcurrencyChanged);
        pool->setSize(size);
        QCOMPARE(changed.count(), 1);
    } else {
        pool = std::make_unique<Pool>(size);
    }
    QCOMPARE(pool->size(), 1);
    QCOMPARE(pool->maxConcurrency(), 1);
    QCOMPARE(pool->freeCount(), 1);
}

// Growing the pool starts queued tasks at once (setSize() runs on the pool's thread here).
void tst_Pool::setSizeStartsQueued()
{
    Gates gates;
    Pool pool(1);
    QSignalSpy changed(&pool, &Group::maxConcurrencyChanged);
    int started = 0;
    for (int i = 0; i < 6; ++i) {
        pool.spawn([&] {
            ++started;
            return gates.make();
        });
    }
    QCOMPARE(started, 1);
    QCOMPARE(pool.runningCount(), 1);
    QCOMPARE(pool.queuedCount(), 5);

    pool.setSize(4);
    QCOMPARE(pool.size(), 4);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(pool.runningCount(), 4);
    QCOMPARE(pool.queuedCount(), 2);
    QCOMPARE(started, 4);

    pool.setSize(4); // unchanged: no signal
    QCOMPARE(changed.count(), 1);
    TestUtil::settle();
    QCOMPARE(started, 4);

    pool.cancel();
    QVERIFY(pool.join(QDeadlineTimer(5000)));
    TestUtil::settle();
    QCOMPARE(started, 4);
    QCOMPARE(pool.finishedCount(), 6);
}

// Shrinking the pool cancels nothing; queued tasks wait until the running ones fit the new size.
void tst_Pool::setSizeShrinks()
{
    Gates gates;
    Pool pool(3);
    int started = 0;
    QList<QFuture<int>> futures;
    for (int i = 0; i < 5; ++i) {
        futures << pool.spawn([&] {
            ++started;
            return gates.make();
        });
    }
    QCOMPARE(started, 3);

    pool.setSize(1);
    QCOMPARE(pool.size(), 1);
    QCOMPARE(pool.runningCount(), 3);
    QCOMPARE(pool.queuedCount(), 2);
    QCOMPARE(pool.freeCount(), 0);
    QVERIFY(pool.isFull());
    for (int i = 0; i < 3; ++i)
        QVERIFY(!futures.at(i).isCanceled());

    gates.open(0);
    QTRY_COMPARE(pool.runningCount(), 2);
    TestUtil::settle();
    QCOMPARE(started, 3);
    gates.open(1);
    QTRY_COMPARE(pool.runningCount(), 1);
    TestUtil::settle();
    QCOMPARE(started, 3);
    QCOMPARE(pool.queuedCount(), 2);

    gates.open(2); // now one fits
    QTRY_COMPARE(started, 4);
    QCOMPARE(pool.runningCount(), 1);
    QCOMPARE(pool.queuedCount(), 1);
    gates.open(3);
    QTRY_COMPARE(started, 5);
    gates.open(4);
    QVERIFY(pool.join(QDeadlineTimer(5000)));
    QCOMPARE(pool.finishedCount(), 5);
}

void tst_Pool::freeCount_data()
{
    QTest::addColumn<int>("lazyTasks");
    QTest::addColumn<int>("adoptedTasks");
    QTest::addColumn<int>("running");
    QTest::addColumn<int>("free");
    QTest::addColumn<bool>("full");
    QTest::newRow("0 tasks") << 0 << 0 << 0 << 2 << false;
    QTest::newRow("1 task") << 1 << 0 << 1 << 1 << false;
    QTest::newRow("2 tasks") << 2 << 0 << 2 << 0 << true;
    QTest::newRow("3 tasks, 1 queued") << 3 << 0 << 2 << 0 << true;
    QTest::newRow("3 adopted") << 0 << 3 << 3 << 0 << true;
}

void tst_Pool::freeCount()
{
    QFETCH(int, lazyTasks);
    QFETCH(int, adoptedTasks);
    QFETCH(int, running);
    QFETCH(int, free);
    QFETCH(bool, full);

    Gates gates;
    Pool pool(2);
    QCOMPARE(pool.freeCount(), 2);
    QVERIFY(!pool.isFull());
    for (int i = 0; i < adoptedTasks; ++i)
        pool.spawn(gates.make());
    for (int i = 0; i < lazyTasks; ++i)
        pool.spawn([&] { return gates.make(); });
    QCOMPARE(pool.runningCount(), running);
    QCOMPARE(pool.freeCount(), free);
    QCOMPARE(pool.isFull(), full);

    pool.cancel();
    QVERIFY(pool.join(QDeadlineTimer(5000)));
    QCOMPARE(pool.freeCount(), 2);
    QVERIFY(!pool.isFull());
}

void tst_Pool::waitAvailable_data()
{
    QTest::addColumn<int>("tasks");
    QTest::addColumn<int>("taskMs");     // -1: runs until the test ends
    QTest::addColumn<int>("deadlineMs"); // -1: an expired deadline
    QTest::addColumn<bool>("expected");
    QTest::addColumn<int>("minElapsed");
    QTest::newRow("free, expired deadline") << 1 << -1 << -1 << true << 0;
    QTest::newRow("empty, expired deadline") << 0 << -1 << -1 << true << 0;
    QTest::newRow("full of long tasks") << 2 << -1 << 50 << false << 40;
    QTest::newRow("full of tasks ending after 50 ms") << 2 << 50 << 30000 << true << 40;
    // The first two to end hand their slots to the two queued tasks: free after ~100 ms.
    QTest::newRow("full, two queued behind") << 4 << 50 << 30000 << true << 80;
}

void tst_Pool::waitAvailable()
{
    QFETCH(int, tasks);
    QFETCH(int, taskMs);
    QFETCH(int, deadlineMs);
    QFETCH(bool, expected);
    QFETCH(int, minElapsed);

    Gates gates;
    Pool pool(2);
    for (int i = 0; i < tasks; ++i) {
        pool.spawn([&gates, taskMs, i] {
            return taskMs < 0 ? gates.make() : TestUtil::delayed(taskMs, i);
        });
    }
    QElapsedTimer timer;
    timer.start();
    const bool available =
            pool.waitAvailable(deadlineMs < 0 ? QDeadlineTimer(0) : QDeadlineTimer(deadlineMs));
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(available, expected);
    QVERIFY2(elapsed >= minElapsed, qPrintable(QStringLiteral("took %1 ms").arg(elapsed)));
    QVERIFY2(elapsed < 10000, qPrintable(QStringLiteral("took %1 ms").arg(elapsed)));
    QCOMPARE(pool.freeCount() > 0, expected);
    if (!expected)
        QVERIFY(pool.isFull());

    pool.cancel();
    QVERIFY(pool.join(QDeadlineTimer(5000)));
}

// Off the pool's thread waitAvailable() blocks without spinning, and wakes when a slot frees.
void tst_Pool::waitAvailableFromOtherThread()
{
    Blocked blocked;
    Pool pool(1);
    pool.spawn(&blocked.threads, blocked.work(0));
    QVERIFY(pool.isFull());

    std::atomic<int> firstResult { -1 };
    std::atomic<int> secondResult { -1 };
    std::atomic<qint64> firstElapsed { 0 };
    TestUtil::Threads waiter;
    waiter.start([&] {
        QElapsedTimer timer;
        timer.start();
        firstResult = pool.waitAvailable(QDeadlineTimer(50)) ? 1 : 0;
        firstElapsed = timer.elapsed();
        secondResult = pool.waitAvailable(QDeadlineTimer(30000)) ? 1 : 0;
    });
    QTRY_VERIFY(firstResult.load() != -1);
    blocked.go.release();
    QTRY_VERIFY_WITH_TIMEOUT(secondResult.load() != -1, 30000);
    waiter.joinAll();
    QCOMPARE(firstResult.load(), 0);
    QVERIFY2(firstElapsed.load() >= 40,
             qPrintable(QStringLiteral("took %1 ms").arg(firstElapsed.load())));
    QCOMPARE(secondResult.load(), 1);
    QVERIFY(pool.join(QDeadlineTimer(5000)));
}

// Adopted futures run already: they count at once, beyond the limit, and lazy work waits for
// runningCount() to fall below the size.
void tst_Pool::adoptedFuturesRunAtOnce()
{
    Gates gates;
    Pool pool(1);
    for (int i = 0; i < 3; ++i)
        pool.spawn(gates.make());
    QCOMPARE(pool.runningCount(), 3);
    QCOMPARE(pool.queuedCount(), 0);
    QCOMPARE(pool.freeCount(), 0);

    bool started = false;
    QFuture<int> lazy = pool.spawn([&] {
        started = true;
        return TestUtil::delayed(1, 42);
    });
    QCOMPARE(pool.queuedCount(), 1);
    QVERIFY(!started);

    gates.open(0);
    QTRY_COMPARE(pool.runningCount(), 2);
    TestUtil::settle();
    QVERIFY(!started);
    gates.open(1);
    QTRY_COMPARE(pool.runningCount(), 1);
    TestUtil::settle();
    QVERIFY(!started);
    QCOMPARE(pool.queuedCount(), 1);

    gates.open(2);
    QTRY_VERIFY(started);
    QVERIFY(pool.join(QDeadlineTimer(5000)));
    QCOMPARE(lazy.result(), 42);
    QCOMPARE(pool.spawnedCount(), 4);
    QCOMPARE(pool.finishedCount(), 4);
}

void tst_Pool::canceledQueuedTaskNeverStarts_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::newRow("future-returning") << Kind::Future;
    QTest::newRow("thread pool") << Kind::ThreadPool;
}

// Canceling the future spawn() returned for a queued task: it never starts, the round still ends.
void tst_Pool::canceledQueuedTaskNeverStarts()
{
    QFETCH(Kind, kind);
    std::atomic<bool> secondStarted { false };
    std::atomic<bool> thirdStarted { false };
    QFuture<int> second;
    QFuture<int> third;
    Blocked blocked;
    Gates gates;
    Pool pool(1);
    if (kind == Kind::Future) {
        pool.spawn([&] { return gates.make(); });
        second = pool.spawn([&] {
            secondStarted = true;
            return TestUtil::delayed(1, 2);
        });
        third = pool.spawn([&] {
            thirdStarted = true;
            return TestUtil::delayed(1, 3);
        });
    } else {
        pool.spawn(&blocked.threads, blocked.work(1));
        second = pool.spawn(&blocked.threads, [&] {
            secondStarted = true;
            return 2;
        });
        third = pool.spawn(&blocked.threads, [&] {
            thirdStarted = true;
            return 3;
        });
    }
    QCOMPARE(pool.queuedCount(), 2);
    second.cancel();
    QVERIFY(second.isCanceled());

    if (kind == Kind::Future)
        gates.open(0);
    else
        blocked.go.release();
    QVERIFY(pool.join(QDeadlineTimer(20000)));
    QVERIFY(!secondStarted);
    QVERIFY(thirdStarted);
    QVERIFY(second.isFinished());
    QCOMPARE(third.result(), 3);
    QCOMPARE(pool.spawnedCount(), 3);
    QCOMPARE(pool.finishedCount(), 3);
    QCOMPARE(pool.failedCount(), 0);
    QVERIFY(!pool.firstFailure());
}

// The future spawn() returns for queued future-returning work starts when the work is called (a
// watcher on it hears started() once, then the result), and canceling it then still reaches the
// work. A queued thread-pool task's future is started from spawn() on, as QtConcurrent's is.
void tst_Pool::queuedFutureStartsWithItsWork()
{
    Gates gates;
    Pool pool(1);
    pool.spawn([&] { return gates.make(); });
    std::atomic<bool> called { false };
    QFuture<int> work;
    QFuture<int> queued = pool.spawn([&] {
        called = true;
        work = gates.make();
        return work;
    });
    QFutureWatcher<int> watcher;
    QSignalSpy started(&watcher, &QFutureWatcherBase::started);
    QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(queued);
    QCoreApplication::processEvents();
    QVERIFY(!queued.isStarted());
    QCOMPARE(started.count(), 0);

    gates.open(0);
    QTRY_VERIFY_WITH_TIMEOUT(called, 20000);
    QVERIFY(queued.isStarted());
    QVERIFY(!queued.isFinished());
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 20000);
    queued.cancel();
    // The caller's future finishes at once; the task ends when the work's future does.
    QTRY_VERIFY_WITH_TIMEOUT(work.isCanceled(), 20000);
    QVERIFY(queued.isFinished());
    QVERIFY(queued.isCanceled());
    gates.open(1);
    QVERIFY(pool.join(QDeadlineTimer(20000)));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QCOMPARE(started.count(), 1);

    // The same Pool, now the work ends with a value: started, then the result.
    Blocked blocked;
    pool.spawn([&] { return gates.make(); });
    QFuture<int> second = pool.spawn([&] { return gates.make(); });
    QFuture<int> threadTask = pool.spawn(&blocked.threads, [] { return 7; });
    QVERIFY(!second.isStarted());
    QVERIFY(threadTask.isStarted());
    gates.open(2);
    QTRY_COMPARE_WITH_TIMEOUT(gates.count(), 4, 20000);
    QVERIFY(second.isStarted());
    gates.open(3, 5);
    blocked.go.release();
    QVERIFY(pool.join(QDeadlineTimer(20000)));
    QCOMPARE(second.result(), 5);
    QCOMPARE(threadTask.result(), 7);
}

// size and maxConcurrency are one value, one notify signal, settable through the meta-object.
void tst_Pool::sizeProperty()
{
    Pool pool(2);
    const QMetaProperty size =
            pool.metaObject()->property(pool.metaObject()->indexOfProperty("size"));
    QVERIFY(size.isValid());
    QVERIFY(size.isWritable());
    QVERIFY(size.hasNotifySignal());
    QCOMPARE(size.notifySignal(), QMetaMethod::fromSignal(&Group::maxConcurrencyChanged));

    QSignalSpy changed(&pool, &Group::maxConcurrencyChanged);
    QVERIFY(pool.setProperty("size", 5));
    QCOMPARE(pool.size(), 5);
    QCOMPARE(pool.maxConcurrency(), 5);
    QCOMPARE(pool.property("maxConcurrency").toInt(), 5);
    QCOMPARE(pool.freeCount(), 5);
    QCOMPARE(changed.count(), 1);

    QVERIFY(pool.setProperty("size", 5));
    QCOMPARE(changed.count(), 1);

    pool.setMaxConcurrency(7);
    QCOMPARE(pool.size(), 7);
    QCOMPARE(pool.property("size").toInt(), 7);
    QCOMPARE(changed.count(), 2);

    QVERIFY(pool.setProperty("maxConcurrency", 3));
    QCOMPARE(pool.size(), 3);
    QCOMPARE(changed.count(), 3);
}

void tst_Pool::failurePolicy_data()
{
    QTest::addColumn<Group::FailurePolicy>("policy");
    QTest::addColumn<Kind>("kind");
    QTest::newRow("CancelOnFailure, future-returning") << Group::CancelOnFailure << Kind::Future;
    QTest::newRow("CancelOnFailure, thread pool") << Group::CancelOnFailure << Kind::ThreadPool;
    QTest::newRow("ContinueOnFailure, future-returning")
            << Group::ContinueOnFailure << Kind::Future;
    QTest::newRow("ContinueOnFailure, thread pool") << Group::ContinueOnFailure << Kind::ThreadPool;
}

// Pool(2): one task fails while another runs and four wait. CancelOnFailure cancels the running
// one and never starts the queued ones; ContinueOnFailure runs them all. Either way join()
// rethrows the failure.
void tst_Pool::failurePolicy()
{
    QFETCH(Group::FailurePolicy, policy);
    QFETCH(Kind, kind);
    const bool cancels = policy == Group::CancelOnFailure;

    std::atomic<int> queuedStarted { 0 };
    QFuture<int> failing;
    QFuture<int> running;
    QList<QFuture<int>> queued;
    QSemaphore failNow;
    Blocked blocked;
    const auto releaseFailing = qScopeGuard([&] { failNow.release(); });
    Gates gates;
    Pool pool(2);
    pool.setFailurePolicy(policy);
    QSignalSpy failed(&pool, &Group::taskFailed);

    if (kind == Kind::Future) {
        failing = pool.spawn([] { return TestUtil::failingAfter(20, "boom"); });
        running = pool.spawn([&] { return gates.make(); });
    } else {
        failing = pool.spawn(&blocked.threads, [&]() -> int {
            failNow.tryAcquire(1, 30000);
            throw std::runtime_error("boom");
        });
        running = pool.spawn(&blocked.threads, blocked.work(1));
    }
    for (int i = 0; i < 4; ++i) {
        if (kind == Kind::Future) {
            queued << pool.spawn([&queuedStarted, i] {
                ++queuedStarted;
                return TestUtil::delayed(1, i);
            });
        } else {
            queued << pool.spawn(&blocked.threads, [&queuedStarted, i] {
                ++queuedStarted;
                return i;
            });
        }
    }
    QCOMPARE(pool.runningCount(), 2);
    QCOMPARE(pool.queuedCount(), 4);
    failNow.release();

    if (!cancels) {
        // The round goes on: the long task has to end for join() to return.
        QTRY_COMPARE_WITH_TIMEOUT(pool.failedCount(), 1, 30000);
        if (kind == Kind::Future)
            gates.open(0);
        else
            blocked.go.release();
    }
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, pool.join(QDeadlineTimer(20000)));
    QVERIFY(!pool.firstFailure()); // join() took it
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, failing.waitForFinished());

    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toString(), QStringLiteral("boom"));
    QCOMPARE(pool.failedCount(), 1);
    QCOMPARE(pool.spawnedCount(), 6);
    QCOMPARE(pool.finishedCount(), 6);
    // (That it has arrived by the time join() returns is cancelOnFailureSettlesBeforeJoinReturns.)
    QTRY_COMPARE(running.isCanceled(), cancels);
    TestUtil::settle();
    QCOMPARE(queuedStarted.load(), cancels ? 0 : 4);
    for (const QFuture<int> &future : std::as_const(queued)) {
        QTRY_VERIFY(future.isFinished());
        QCOMPARE(future.isCanceled(), cancels);
    }
}

// When join() reports a failure that canceled the round (CancelOnFailure), the cancellation has
// reached every future of the round: the running task's future is canceled and the queued tasks'
// futures are finished. The failure is raised on a thread-pool thread, so this is repeated to
// catch a window between that thread ending the round and canceling the futures.
void tst_Pool::cancelOnFailureSettlesBeforeJoinReturns()
{
    QThreadPool threads;
    threads.setMaxThreadCount(4);
    int runningNotCanceled = 0;
    int queuedNotFinished = 0;
    constexpr int rounds = 300;
    for (int round = 0; round < rounds; ++round) {
        // Fresh per round and owned by the work: a task canceled before it ran never takes its
        // permit, and a left-over permit must not let a later round's task end early.
        const auto failNow = std::make_shared<QSemaphore>();
        const auto go = std::make_shared<QSemaphore>();
        const auto letGo = qScopeGuard([&] {
            failNow->release();
            go->release();
        });
        Pool pool(2);
        pool.setFailurePolicy(Group::CancelOnFailure);
        pool.spawn(&threads, [failNow]() -> int {
            failNow->tryAcquire(1, 30000);
            throw std::runtime_error("boom");
        });
        const QFuture<int> running = pool.spawn(&threads, [go] {
            go->tryAcquire(1, 30000);
            return 1;
        });
        const QFuture<int> queued = pool.spawn(&threads, [] { return 2; });
        QCOMPARE(pool.queuedCount(), 1);
        failNow->release();
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, pool.join(QDeadlineTimer(20000)));
        if (!running.isCanceled())
            ++runningNotCanceled;
        if (!queued.isFinished() || !queued.isCanceled())
            ++queuedNotFinished;
        go->release();
        QVERIFY(threads.waitForDone(30000));
    }
    QVERIFY2(runningNotCanceled == 0 && queuedNotFinished == 0,
             qPrintable(QStringLiteral("in %1 of %2 rounds join() returned before the running "
                                       "task's future was canceled, in %3 before the queued "
                                       "task's future was finished as canceled")
                                .arg(runningNotCanceled)
                                .arg(rounds)
                                .arg(queuedNotFinished)));
}

void tst_Pool::spawnFromManyThreads_data()
{
    QTest::addColumn<bool>("mainSpins");
    // The pool's thread blocks in std::thread::join() while the others spawn, then joins the pool.
    QTest::newRow("pool thread blocked") << false;
    // The pool's thread spins its events (drains) while the others spawn; an adopted future
    // holds the round open and one slot until all the work has run, so the counts describe a
    // single round and at most 3 callables run at once.
    QTest::newRow("pool thread spinning") << true;
}

// 2,000 thread-pool callables spawned from 4 threads at once into Pool(4).
void tst_Pool::spawnFromManyThreads()
{
    QFETCH(bool, mainSpins);
    constexpr int threadCount = 4;
    constexpr int perThread = 500;
    constexpr int total = threadCount * perThread;

    std::atomic<int> inside { 0 };
    std::atomic<int> maxInside { 0 };
    std::atomic<int> ran { 0 };
    std::atomic<int> spawnersDone { 0 };
    QThreadPool threads;
    threads.setMaxThreadCount(8);
    Pool pool(4);

    std::optional<QPromise<void>> holder;
    if (mainSpins) {
        holder.emplace();
        holder->start();
        pool.spawn(holder->future());
    }
    const int holders = mainSpins ? 1 : 0;

    std::vector<QList<QFuture<int>>> futures(threadCount);
    TestUtil::Threads spawners;
    for (int t = 0; t < threadCount; ++t) {
        spawners.start([&, t] {
            for (int i = 0; i < perThread; ++i) {
                futures[std::size_t(t)] << pool.spawn(&threads, [&, i]() -> int {
                    raiseTo(maxInside, ++inside);
                    busyFor(20);
                    ++ran;
                    --inside;
                    return i;
                });
            }
            ++spawnersDone;
        });
    }
    if (mainSpins) {
        QTRY_COMPARE_WITH_TIMEOUT(spawnersDone.load(), threadCount, 120000);
        // Everything runs while the holder keeps its slot; it lets go only then.
        QTRY_COMPARE_WITH_TIMEOUT(ran.load(), total, 120000);
    }
    spawners.joinAll();
    if (holder)
        holder->finish();

    QVERIFY(pool.join(QDeadlineTimer(120000)));
    QCOMPARE(ran.load(), total);
    QCOMPARE(pool.spawnedCount(), total + holders);
    QCOMPARE(pool.finishedCount(), total + holders);
    QCOMPARE(pool.failedCount(), 0);
    QCOMPARE(pool.runningCount(), 0);
    QCOMPARE(pool.queuedCount(), 0);
    QVERIFY(pool.isIdle());
    QVERIFY2(maxInside.load() <= 4 - holders,
             qPrintable(QStringLiteral("%1 ran at once").arg(maxInside.load())));
    // Let the thread pool finish with the jobs (it deletes them after they reported) before the
    // futures go, and read `inside`, the work's last touch: hand-backs ThreadSanitizer can see.
    QVERIFY(threads.waitForDone(60000));
    QCOMPARE(inside.load(), 0);
    for (int t = 0; t < threadCount; ++t) {
        for (int i = 0; i < perThread; ++i) {
            const QFuture<int> &future = futures[std::size_t(t)].at(i);
            QVERIFY(future.isFinished());
            QCOMPARE(future.result(), i);
        }
    }
}

// Thread-pool work spawned from other threads starts as slots free up, on the threads that free
// them: it does not wait for the pool's own thread to spin its events. Here the pool's thread
// blocks (no event processing) until all the work has run. The spawners yield after each spawn,
// so that the pool often runs dry between two spawns: a spawn racing the end of the last running
// task must still start its work.
void tst_Pool::threadPoolWorkNeedsNoPoolThread()
{
    constexpr int threadCount = 4;
    constexpr int perThread = 2000;
    constexpr int total = threadCount * perThread;
    std::atomic<int> ran { 0 };
    std::mutex mutex;
    std::condition_variable allRan;
    QThreadPool threads;
    threads.setMaxThreadCount(8);
    Pool pool(4);
    TestUtil::Threads spawners;
    for (int t = 0; t < threadCount; ++t) {
        spawners.start([&] {
            for (int i = 0; i < perThread; ++i) {
                pool.spawn(&threads, [&]() -> int {
                    if (++ran == total) {
                        std::lock_guard lock(mutex);
                        allRan.notify_all();
                    }
                    return 0;
                });
                std::this_thread::yield();
            }
        });
    }
    spawners.joinAll();
    bool done;
    {
        std::unique_lock lock(mutex);
        done = allRan.wait_for(lock, std::chrono::seconds(10), [&] { return ran.load() == total; });
    }
    const int ranBlocked = ran.load();
    const int queued = pool.queuedCount();
    const int running = pool.runningCount();
    QVERIFY(pool.join(QDeadlineTimer(60000))); // spins: whatever was stuck runs now
    QCOMPARE(ran.load(), total);
    QVERIFY2(done,
             qPrintable(QStringLiteral("with the pool's thread blocked, %1 of %2 tasks ran; %3 "
                                       "stayed queued while %4 of 4 slots were busy")
                                .arg(ranBlocked)
                                .arg(total)
                                .arg(queued)
                                .arg(running)));
}

void tst_Pool::destroyMidRound_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<bool>("viaParent");
    QTest::newRow("thread pool, delete") << Kind::ThreadPool << false;
    QTest::newRow("thread pool, parent deleted") << Kind::ThreadPool << true;
    QTest::newRow("future-returning, delete") << Kind::Future << false;
    QTest::newRow("future-returning, parent deleted") << Kind::Future << true;
}

// Destroying a Pool with 2 running and 4 queued tasks: no crash, no block; the queued ones never
// run, and every future spawn() handed out ends up finished.
void tst_Pool::destroyMidRound()
{
    QFETCH(Kind, kind);
    QFETCH(bool, viaParent);

    std::atomic<int> started { 0 };
    QList<QFuture<int>> futures;
    Blocked blocked;
    Gates gates;
    auto *parent = viaParent ? new QObject : nullptr;
    QPointer<Pool> pool = new Pool(2, parent);
    for (int i = 0; i < 6; ++i) {
        if (kind == Kind::ThreadPool) {
            futures << pool->spawn(&blocked.threads, [&started, work = blocked.work(i)]() mutable {
                ++started;
                return work();
            });
        } else {
            futures << pool->spawn([&] {
                ++started;
                return gates.make();
            });
        }
    }
    QCOMPARE(pool->runningCount(), 2);
    QCOMPARE(pool->queuedCount(), 4);
    QTRY_COMPARE(blocked.entered.load() + gates.count(), 2);

    QElapsedTimer timer;
    timer.start();
    if (viaParent)
        delete parent;
    else
        delete pool.data();
    QVERIFY(pool.isNull());
    QVERIFY2(timer.elapsed() < 5000, "destroying the pool blocked");

    for (int i = 2; i < 6; ++i) {
        QVERIFY(futures.at(i).isFinished());
        QVERIFY(futures.at(i).isCanceled());
    }
    for (int i = 0; i < 2; ++i)
        QVERIFY(futures.at(i).isCanceled());

    // The running work ends later, into a pool that is gone.
    if (kind == Kind::ThreadPool) {
        blocked.go.release(2);
    } else {
        gates.open(0);
        gates.open(1);
    }
    for (int i = 0; i < 2; ++i)
        QTRY_VERIFY_WITH_TIMEOUT(futures.at(i).isFinished(), 30000);
    QVERIFY(blocked.threads.waitForDone(30000));
    TestUtil::settle();
    QCOMPARE(started.load(), 2);
}

void tst_Pool::thenOnSpawnedFuture_data()
{
    QTest::addColumn<int>("how");
    QTest::newRow("future-returning, started at once") << 0;
    QTest::newRow("adopted") << 1;
    QTest::newRow("future-returning, queued first") << 2;
    QTest::newRow("thread pool") << 3;
}

// spawn() returns the QFuture of this one task, to .then() as the caller likes. Doing so must not
// make the pool lose track of the task: while it runs, the next task stays queued.
void tst_Pool::thenOnSpawnedFuture()
{
    QFETCH(int, how);
    std::atomic<bool> continued { false };
    QFuture<int> first;
    QFuture<void> continuation;
    Blocked blocked;
    Gates gates;
    Pool pool(1);

    int gate = 0;
    switch (how) {
    case 0:
        first = pool.spawn([&] { return gates.make(); });
        break;
    case 1:
        first = pool.spawn(gates.make());
        break;
    case 2:
        pool.spawn(gates.make()); // occupies the slot, so the task below queues
        first = pool.spawn([&] { return gates.make(); });
        QCOMPARE(pool.queuedCount(), 1);
        gates.open(0);
        QTRY_COMPARE(gates.count(), 2);
        gate = 1;
        break;
    default:
        first = pool.spawn(&blocked.threads, blocked.work(7));
        QTRY_COMPARE(blocked.entered.load(), 1);
        break;
    }
    QCOMPARE(pool.runningCount(), 1);

    continuation = first.then([&](int) { continued = true; });

    bool secondStarted = false;
    pool.spawn([&] {
        secondStarted = true;
        return readyFuture(2);
    });
    TestUtil::settle();
    QCOMPARE(pool.runningCount(), 1);
    QCOMPARE(pool.queuedCount(), 1);
    QVERIFY2(!secondStarted, "the pool lost track of the first task and started the second");

    if (how == 3)
        blocked.go.release();
    else
        gates.open(gate, 7);
    QTRY_VERIFY_WITH_TIMEOUT(continued.load(), 30000);
    QTRY_VERIFY(secondStarted);
    QVERIFY(pool.join(QDeadlineTimer(5000)));
    QVERIFY(continuation.isFinished());
    QCOMPARE(pool.finishedCount(), how == 2 ? 3 : 2);
}

// Adopting a future that already has a continuation must keep that continuation working.
void tst_Pool::adoptKeepsContinuation()
{
    Gates gates;
    Pool pool(2);
    QFuture<int> future = gates.make();
    bool continued = false;
    const QFuture<void> continuation = future.then([&](int value) { continued = value == 7; });
    pool.spawn(future);
    QCOMPARE(pool.runningCount(), 1);
    gates.open(0, 7); // runs the continuations (they are synchronous) before it returns
    QVERIFY(pool.join(QDeadlineTimer(5000)));
    QVERIFY2(continued, "the continuation attached before spawn() never ran");
    QVERIFY(continuation.isFinished());
}

// Many queued tasks whose futures are finished when they start: the pool starts them one after
// another without nesting a call per task, which would overflow the stack. Runs in a child
// process, so that a crash fails this test only and cannot hang the suite in the crash handler.
void tst_Pool::manyReadyFuturesQueued()
{
    if (qEnvironmentVariableIsSet(childVariable)) {
        constexpr int count = 200000;
        Gates gates;
        Pool pool(1);
        pool.spawn(gates.make()); // holds the slot, so everything below queues
        int started = 0;
        for (int i = 0; i < count; ++i) {
            pool.spawn([&started, i] {
                ++started;
                return readyFuture(i);
            });
        }
        QCOMPARE(pool.queuedCount(), count);
        gates.open(0);
        QVERIFY(pool.join(QDeadlineTimer(120000)));
        QCOMPARE(started, count);
        QCOMPARE(pool.finishedCount(), count + 1);
        return;
    }

    QProcess child;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QString::fromLatin1(childVariable), QStringLiteral("1"));
    environment.insert(QStringLiteral("QTEST_DISABLE_STACK_DUMP"), QStringLiteral("1"));
    environment.insert(QStringLiteral("QTEST_DISABLE_CORE_DUMP"), QStringLiteral("1"));
    child.setProcessEnvironment(environment);
    child.setProcessChannelMode(QProcess::MergedChannels);
    child.start(QCoreApplication::applicationFilePath(),
                { QString::fromLatin1(QTest::currentTestFunction()) });
    QVERIFY2(child.waitForStarted(30000), qPrintable(child.errorString()));
    if (!child.waitForFinished(240000)) {
        child.kill();
        child.waitForFinished(30000);
        QFAIL("the child process hung");
    }
    const QByteArray output = child.readAll();
    QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0,
             output.constData());
}

QTEST_GUILESS_MAIN(tst_Pool)

#include "tst_pool.moc"
