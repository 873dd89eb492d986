// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/Group>
#include <AioUtils/Pool>

#include "readyfuture.h"
#include "testutil.h"

#include <QtConcurrent/qtconcurrentrun.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qpointer.h>
#include <QtCore/qpromise.h>
#include <QtCore/qscopeguard.h>
#include <QtCore/qsemaphore.h>
#include <QtCore/qthread.h>
#include <QtCore/qthreadpool.h>
#include <QtCore/qtimer.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

using AioUtils::Group;
using AioUtils::Pool;
using TestUtil::delayed;
using TestUtil::NotAnStdException;

class tst_Group : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void emptyGroupIsIdle();
    void adoptReadyFuture();
    void adoptRunningFuture();
    void adoptInvalidFuture();
    void adoptCanceledFuture();
    void threadPoolWork_data();
    void threadPoolWork();
    void threadPoolWorkOnGivenPool();
    void futureWorkRunsOnGroupThread();
    void seedGroup();
    void seedNested();
    void nestedSpawnsFromWorkerThreads();
    void joinRethrowsFirstFailure();
    void joinKeepsFailureWhenNextRoundFollows_data();
    void joinKeepsFailureWhenNextRoundFollows();
    void failureMessages_data();
    void failureMessages();
    void continueOnFailure();
    void cancelOnFailure();
    void cancelEndsRoundAtOnce();
    void failuresInOrder();
    void failureAfterCancelIsRecorded_data();
    void failureAfterCancelIsRecorded();
    void failureOfCanceledWorkIsNotNewWorks_data();
    void failureOfCanceledWorkIsNotNewWorks();
    void pauseHoldsQueuedTasks();
    void resumeFromAnotherThread();
    void cancelFromAnotherThread();
    void linkedWorkIsCanceledWithItsTask();
    void canceledQueuedTaskNeverStarts();
    void joinedFuture();
    void joinedCarriesFailureAndCancel();
    void roundsResetCounters();
    void countersAsProperties();
    void joinFromInsideTaskRefuses();
    void joinTimesOut();
    void joinFromAnotherThreadWaits();
    void maxConcurrencyNegativeWarns();
    void destroyMidRound();
    void destroyThroughParentWithPendingFutures();
    void destroyFromContinuationOfQueuedTask();
    void destroyFromContinuationOfCanceledTask();
    void joinInContinuationOfQueuedTaskRefuses();
    void raisingLimitWakesWaiters();
    void groupsInFourThreads();
    void spawnsFromFourThreads();
};

void tst_Group::init()
{
    // The global pool has only as many threads as cores; tests that block threads use their own.
    QThreadPool::globalInstance()->waitForDone();
}

void tst_Group::emptyGroupIsIdle()
{
    Group group;
    QVERIFY(group.isIdle());
    QCOMPARE(group.spawnedCount(), 0);
    QVERIFY(group.join(QDeadlineTimer(0)));
    QVERIFY(group.joined().isFinished());
    QVERIFY(!group.joined().isCanceled());
    QVERIFY(!group.firstFailure());
}

void tst_Group::adoptReadyFuture()
{
    Group group;
    QSignalSpy finished(&group, &Group::finished);
    const QFuture<int> ready = TestUtil::readyFuture(42);
    const QFuture<int> returned = group.spawn(ready);
    QCOMPARE(returned.result(), 42);
    QVERIFY(!group.isIdle()); // the round ends on the group's thread, not inside spawn()
    QCOMPARE(group.spawnedCount(), 1);
    QVERIFY(group.join());
    QVERIFY(group.isIdle());
    QCOMPARE(group.finishedCount(), 1);
    QCOMPARE(group.failedCount(), 0);
    QCOMPARE(finished.count(), 1);
}

void tst_Group::adoptRunningFuture()
{
    Group group;
    const QFuture<int> future = group.spawn(delayed(30, 7));
    QCOMPARE(group.runningCount(), 1);
    QVERIFY(group.join());
    QVERIFY(future.isFinished());
    QCOMPARE(future.result(), 7);
    QCOMPARE(group.runningCount(), 0);
    QCOMPARE(group.finishedCount(), 1);
}

void tst_Group::adoptInvalidFuture()
{
    Group group;
    group.spawn(QFuture<int>());
    group.spawn(QFuture<void>());
    QVERIFY(group.join());
    QCOMPARE(group.spawnedCount(), 2);
    QCOMPARE(group.finishedCount(), 2);
    QCOMPARE(group.failedCount(), 0);
}

void tst_Group::adoptCanceledFuture()
{
    Group group;
    QPromise<int> promise;
    promise.start();
    group.spawn(promise.future());
    promise.future().cancel();
    promise.finish();
    QVERIFY(group.join());
    QCOMPARE(group.finishedCount(), 1);
    QCOMPARE(group.failedCount(), 0);
}

void tst_Group::threadPoolWork_data()
{
    QTest::addColumn<int>("count");
    QTest::newRow("one") << 1;
    QTest::newRow("many") << 500;
}

void tst_Group::threadPoolWork()
{
    QFETCH(int, count);
    Group group;
    std::atomic<int> voidRuns { 0 };
    std::vector<QFuture<int>> sums;
    for (int i = 0; i < count; ++i) {
        sums.push_back(group.spawn([](int a, int b) { return a + b; }, i, 1));
        const QFuture<void> done = group.spawn([&voidRuns] { ++voidRuns; });
        Q_UNUSED(done);
    }
    QVERIFY(group.join());
    for (int i = 0; i < count; ++i) {
        QVERIFY(sums[i].isFinished());
        QCOMPARE(sums[i].result(), i + 1);
    }
    QCOMPARE(voidRuns.load(), count);
    QCOMPARE(group.spawnedCount(), 2 * count);
    QCOMPARE(group.finishedCount(), 2 * count);
}

void tst_Group::threadPoolWorkOnGivenPool()
{
    QThreadPool pool;
    pool.setMaxThreadCount(1);
    QThread *poolThread = nullptr;
    Group group;
    QFuture<QThread *> where = group.spawn(&pool, [] { return QThread::currentThread(); });
    QVERIFY(group.join());
    poolThread = where.result();
    QVERIFY(poolThread != QThread::currentThread());
    // A second task on a one-thread pool lands on the same thread.
    QFuture<QThread *> again = group.spawn(&pool, [] { return QThread::currentThread(); });
    QVERIFY(group.join());
    QCOMPARE(again.result(), poolThread);
}

void tst_Group::futureWorkRunsOnGroupThread()
{
    Group group;
    QThread *const mainThread = QThread::currentThread();
    std::atomic<QThread *> calledOn { nullptr };
    // Spawned from a worker thread, the future-returning work still runs on the group's thread.
    group.spawn([&] {
        group.spawn([&] {
            calledOn = QThread::currentThread();
            return delayed(10, 1);
        });
    });
    QVERIFY(group.join(QDeadlineTimer(10000)));
    QCOMPARE(calledOn.load(), mainThread);
    QCOMPARE(group.spawnedCount(), 2);
    QCOMPARE(group.finishedCount(), 2);
}

// The seed: 9 tasks of 100 ms in a Group finish in about 100 ms.
void tst_Group::seedGroup()
{
    Group group;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < 9; ++i)
        group.spawn([i] { return delayed(100, i); });
    QVERIFY(group.join(QDeadlineTimer(10000)));
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(elapsed >= 95 && elapsed < 1000, qPrintable(QString::number(elapsed)));
    QCOMPARE(group.finishedCount(), 9);
}

// The seed's nested loops: 10 outer tasks of 100 ms, each then spawning 10 inner tasks of 100 ms,
// finish in about 200 ms instead of 11 s.
void tst_Group::seedNested()
{
    Group group;
    std::atomic<int> innerDone { 0 };
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < 10; ++i) {
        group.spawn([&] {
            return delayed(100).then(QtFuture::Launch::Sync, [&] {
                for (int j = 0; j < 10; ++j) {
                    group.spawn([&] {
                        return delayed(100).then(QtFuture::Launch::Sync, [&] { ++innerDone; });
                    });
                }
            });
        });
    }
    QVERIFY(group.join(QDeadlineTimer(20000)));
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(elapsed >= 190 && elapsed < 2000, qPrintable(QString::number(elapsed)));
    QCOMPARE(innerDone.load(), 100);
    QCOMPARE(group.spawnedCount(), 110);
    QCOMPARE(group.finishedCount(), 110);
}

// Tasks on worker threads spawn children before they end: join() never returns while a
// descendant is queued or running.
void tst_Group::nestedSpawnsFromWorkerThreads()
{
    Group group;
    std::atomic<int> leaves { 0 };
    std::function<void(int)> branch = [&](int depth) {
        if (depth == 0) {
            ++leaves;
            return;
        }
        for (int i = 0; i < 3; ++i)
            group.spawn(branch, depth - 1);
    };
    group.spawn(branch, 5);
    QVERIFY(group.join(QDeadlineTimer(30000)));
    QCOMPARE(leaves.load(), 243);
    QCOMPARE(group.spawnedCount(), 1 + 3 + 9 + 27 + 81 + 243);
    QCOMPARE(group.finishedCount(), group.spawnedCount());
}

void tst_Group::joinRethrowsFirstFailure()
{
    Group group;
    QSignalSpy failed(&group, &Group::taskFailed);
    const QFuture<int> bad = group.spawn([]() -> int { throw std::runtime_error("boom"); });
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, group.join());
    QCOMPARE(group.failedCount(), 1);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toString(), QStringLiteral("boom"));
    // The task's own future holds the same failure.
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, bad.result());
    // Rethrown once: the next join() is clean.
    QVERIFY(!group.firstFailure());
    QVERIFY(group.join());
}

// A round ends with a failure while join() waits, and the next round begins in the same pass of
// the event loop: from a slot of finished() (direct, inside the drain that ended the round), or
// from work posted behind the wake-up that reports the failure (a queued spawn). join() returns
// for the round it waited for and rethrows its failure; it used to return false at once, and the
// next round cleared the failure.
void tst_Group::joinKeepsFailureWhenNextRoundFollows_data()
{
    QTest::addColumn<bool>("fromFinishedSlot");
    QTest::newRow("direct slot of finished()") << true;
    QTest::newRow("spawn posted behind the end") << false;
}

void tst_Group::joinKeepsFailureWhenNextRoundFollows()
{
    QFETCH(bool, fromFinishedSlot);
    Group group;
    bool again = false;
    bool sawFailure = false;
    const auto spawnAgain = [&group, &again, &sawFailure] {
        if (std::exchange(again, true))
            return;
        // Until join() rethrows it, the ended round's failure is there to see.
        sawFailure = bool(group.firstFailure());
        group.spawn([] { return delayed(50, 2); });
    };
    QSemaphore go;
    group.spawn([&go]() -> int {
        go.acquire();
        throw std::runtime_error("boom");
    });
    if (fromFinishedSlot) {
        connect(&group, &Group::finished, &group, spawnAgain, Qt::DirectConnection);
        go.release();
    } else {
        // Inside join()'s loop.
        QTimer::singleShot(0, &group, [&group, &go, spawnAgain] {
            go.release();
            TestUtil::postBehindReport(
                    &group, [&group] { return group.failedCount() > 0; }, spawnAgain);
        });
    }
    QElapsedTimer clock;
    clock.start();
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, group.join(QDeadlineTimer(5000)));
    QVERIFY(clock.elapsed() < 4000);
    // The next round runs on, without the failure of the one before.
    QTRY_VERIFY(again);
    QVERIFY(sawFailure);
    QVERIFY(!group.firstFailure());
    QVERIFY(group.join(QDeadlineTimer(5000)));
    QCOMPARE(group.failedCount(), 0);
}

void tst_Group::failureMessages_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("std::exception from thread-pool work") << 0 << QStringLiteral("pool boom");
    QTest::newRow("QtConcurrent's QUnhandledException") << 1 << QStringLiteral("wrapped boom");
    QTest::newRow("failed adopted future") << 2 << QStringLiteral("late boom");
    QTest::newRow("future-returning work that throws") << 3 << QStringLiteral("sync boom");
    QTest::newRow("not a std::exception") << 4 << QStringLiteral("unknown exception");
}

void tst_Group::failureMessages()
{
    QFETCH(int, kind);
    QFETCH(QString, message);
    Group group;
    QSignalSpy failed(&group, &Group::taskFailed);
    switch (kind) {
    case 0:
        group.spawn([]() -> int { throw std::runtime_error("pool boom"); });
        break;
    case 1:
        group.spawn(QtConcurrent::run([]() -> int { throw std::runtime_error("wrapped boom"); }));
        break;
    case 2:
        group.spawn(TestUtil::failingAfter(10, "late boom"));
        break;
    case 3:
        group.spawn([]() -> QFuture<int> { throw std::logic_error("sync boom"); });
        break;
    case 4:
        group.spawn([] { throw NotAnStdException(); });
        break;
    }
    bool threw = false;
    try {
        group.join(QDeadlineTimer(10000));
    } catch (...) {
        threw = true;
    }
    QVERIFY(threw);
    QCOMPARE(group.failedCount(), 1);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toString(), message);
}

// aioutils semantics: a failure does not stop the others; it surfaces at join().
void tst_Group::continueOnFailure()
{
    Group group;
    QCOMPARE(group.failurePolicy(), Group::ContinueOnFailure);
    std::vector<QFuture<int>> futures;
    for (int i = 0; i < 5; ++i)
        futures.push_back(group.spawn([i] { return delayed(20 + i * 10, i); }));
    group.spawn(TestUtil::failingAfter(5, "first"));
    group.spawn(TestUtil::failingAfter(15, "second"));
    try {
        group.join(QDeadlineTimer(10000));
        QFAIL("join() did not rethrow");
    } catch (const std::runtime_error &e) {
        QCOMPARE(QByteArray(e.what()), QByteArray("first"));
    }
    for (int i = 0; i < 5; ++i)
        QCOMPARE(futures[i].result(), i);
    QCOMPARE(group.failedCount(), 2);
    QCOMPARE(group.finishedCount(), 7);
}

// TaskGroup semantics: the first failure cancels the rest.
void tst_Group::cancelOnFailure()
{
    Group group;
    QSignalSpy policy(&group, &Group::failurePolicyChanged);
    group.setFailurePolicy(Group::CancelOnFailure);
    QCOMPARE(policy.count(), 1);
    group.setMaxConcurrency(2);
    const QFuture<int> slow = group.spawn([] { return delayed(60000, 1); });
    group.spawn([] { return TestUtil::failingAfter(10, "stop"); });
    bool queuedStarted = false;
    group.spawn([&] {
        queuedStarted = true;
        return delayed(10, 2);
    });
    QElapsedTimer clock;
    clock.start();
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, group.join(QDeadlineTimer(10000)));
    QVERIFY(clock.elapsed() < 5000);
    QVERIFY(!queuedStarted);
    QTRY_VERIFY(slow.isCanceled());
    QCOMPARE(group.failedCount(), 1);
    QCOMPARE(group.finishedCount(), 3);
    QVERIFY(group.isIdle());
}

void tst_Group::cancelEndsRoundAtOnce()
{
    Group group;
    group.setMaxConcurrency(1);
    QSignalSpy finished(&group, &Group::finished);
    const QFuture<int> running = group.spawn([] { return delayed(60000, 1); });
    bool queuedStarted = false;
    const QFuture<int> queued = group.spawn([&] {
        queuedStarted = true;
        return delayed(10, 2);
    });
    QCOMPARE(group.runningCount(), 1);
    QCOMPARE(group.queuedCount(), 1);
    group.cancel();
    // On the group's thread the round ends inside cancel(): every task accounted for.
    QVERIFY(group.isIdle());
    QCOMPARE(finished.count(), 1);
    QCOMPARE(group.runningCount(), 0);
    QCOMPARE(group.queuedCount(), 0);
    QCOMPARE(group.finishedCount(), 2);
    QCOMPARE(group.failedCount(), 0);
    QVERIFY(running.isCanceled());
    QVERIFY(queued.isCanceled());
    QVERIFY(queued.isFinished());
    QVERIFY(group.join(QDeadlineTimer(0))); // cancellation is not a failure
    QVERIFY(!queuedStarted);
    // Still usable.
    const QFuture<int> again = group.spawn([] { return delayed(5, 3); });
    QVERIFY(group.join(QDeadlineTimer(10000)));
    QCOMPARE(again.result(), 3);
    QCOMPARE(group.spawnedCount(), 1);
}

void tst_Group::linkedWorkIsCanceledWithItsTask()
{
    using AioUtils::detail::linkToCurrentTask;
    const auto started = [] {
        QPromise<void> promise;
        promise.start();
        return promise;
    };
    // Outside a task nothing is linked.
    QPromise<void> outside = started();
    QVERIFY(!linkToCurrentTask(outside.future()));

    QSemaphore linked;
    QSemaphore release;
    QThreadPool pool; // after what the worker uses: its destructor waits for the worker
    QPromise<void> side = started();
    QPromise<void> workerSide = started();
    QPromise<void> leftAlone = started();
    bool sideLinked = false;
    std::atomic<bool> workerLinked = false; // QSemaphore's ordering is invisible to TSan
    // However the test ends, the worker goes on: the pool's destructor waits for it.
    const auto releaseWorker = qScopeGuard([&release] { release.release(); });
    {
        Group group;
        // Future-returning work links what it started on the group's thread...
        group.spawn([&] {
            sideLinked = bool(linkToCurrentTask(side.future()));
            return delayed(60000, 1);
        });
        // ... thread-pool work on its worker ...
        group.spawn(&pool, [&] {
            workerLinked = bool(linkToCurrentTask(workerSide.future()));
            linked.release();
            release.acquire();
        });
        // ... and a task that ended leaves what it linked alone.
        group.spawn([&] {
            linkToCurrentTask(leftAlone.future());
            return TestUtil::readyFuture(2);
        });
        QVERIFY(linked.tryAcquire(1, TestUtil::Patience));
        QVERIFY(sideLinked);
        QVERIFY(workerLinked);
        QVERIFY(!side.future().isCanceled());
        group.cancel();
        QVERIFY(side.future().isCanceled());
        QVERIFY(workerSide.future().isCanceled());
        QVERIFY(!leftAlone.future().isCanceled());

        // The group's end cancels what its running tasks linked, too.
        QPromise<void> onDestroy = started();
        {
            Group doomed;
            doomed.spawn([&] {
                linkToCurrentTask(onDestroy.future());
                return delayed(60000, 1);
            });
            QVERIFY(!onDestroy.future().isCanceled());
        }
        QVERIFY(onDestroy.future().isCanceled());
    }
}

namespace {
// The failures' messages, comma-separated.
QString messagesOf(const QList<std::exception_ptr> &failures)
{
    QStringList messages;
    for (const std::exception_ptr &failure : failures) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception &e) {
            messages.append(QString::fromUtf8(e.what()));
        }
    }
    return messages.join(u',');
}

// Work that tells `started` it runs, then throws `message` once `release` is released.
auto throwsWhenReleased(QSemaphore &started, QSemaphore &release, const char *message)
{
    return [&started, &release, message] {
        started.release();
        release.acquire();
        throw std::runtime_error(message);
    };
}
} // namespace

void tst_Group::failuresInOrder()
{
    Group group;
    group.setMaxConcurrency(1); // one after the other: the order they fail in is spawn order
    QSignalSpy failed(&group, &Group::taskFailed);
    for (const char *message : { "a", "b", "c" })
        group.spawn([message] { throw std::runtime_error(message); });
    QTRY_VERIFY_WITH_TIMEOUT(group.isIdle(), TestUtil::Patience);
    QCOMPARE(messagesOf(group.failures()), QStringLiteral("a,b,c"));
    QCOMPARE(group.failures().first(), group.firstFailure());
    QCOMPARE(group.failedCount(), 3);
    QCOMPARE(failed.count(), 3);
    // join() rethrows the first and clears the record, all of it.
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, group.join(QDeadlineTimer(0)));
    QVERIFY(group.failures().isEmpty());
    QVERIFY(!group.firstFailure());
    // A new round starts with an empty record.
    group.spawn([] { throw std::runtime_error("d"); });
    group.spawn([] { return 1; });
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, group.join(QDeadlineTimer(TestUtil::Patience)));
    group.spawn([] { throw std::runtime_error("e"); });
    QTRY_VERIFY_WITH_TIMEOUT(group.isIdle(), TestUtil::Patience);
    QCOMPARE(messagesOf(group.failures()), QStringLiteral("e"));
}

void tst_Group::failureAfterCancelIsRecorded_data()
{
    QTest::addColumn<bool>("byPolicy");
    QTest::newRow("CancelOnFailure") << true;
    QTest::newRow("cancel()") << false;
}

void tst_Group::failureAfterCancelIsRecorded()
{
    QFETCH(bool, byPolicy);
    QSemaphore started;
    QSemaphore release;
    QThreadPool pool; // after what the worker uses: its destructor waits for the worker
    const auto releaseWorker = qScopeGuard([&release] { release.release(); });
    Group group;
    QSignalSpy failed(&group, &Group::taskFailed);
    // Running when the round is canceled; it throws afterwards.
    const QFuture<void> late = group.spawn(&pool, throwsWhenReleased(started, release, "late"));
    QVERIFY(started.tryAcquire(1, TestUtil::Patience));
    if (byPolicy) {
        group.setFailurePolicy(Group::CancelOnFailure);
        group.spawn([] { throw std::runtime_error("first"); });
    } else {
        group.spawn([] { return 1; });
        QTRY_COMPARE_WITH_TIMEOUT(group.finishedCount(), 1, TestUtil::Patience);
        group.cancel();
    }
    QTRY_VERIFY_WITH_TIMEOUT(group.isIdle(), TestUtil::Patience);
    QVERIFY(late.isCanceled());
    const int failedBefore = byPolicy ? 1 : 0;
    QCOMPARE(group.failedCount(), failedBefore);
    release.release();
    // The late failure is recorded, counted and signaled like any other.
    QTRY_COMPARE_WITH_TIMEOUT(group.failedCount(), failedBefore + 1, TestUtil::Patience);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), failedBefore + 1, TestUtil::Patience);
    QCOMPARE(failed.last().first().toString(), QStringLiteral("late"));
    QCOMPARE(messagesOf(group.failures()),
             byPolicy ? QStringLiteral("first,late") : QStringLiteral("late"));
    QVERIFY(group.failedCount() <= group.finishedCount());
    try {
        group.join(QDeadlineTimer(0));
        QFAIL("join() did not rethrow");
    } catch (const std::runtime_error &e) {
        QCOMPARE(QString::fromUtf8(e.what()),
                 byPolicy ? QStringLiteral("first") : QStringLiteral("late"));
    }
    QVERIFY(group.failures().isEmpty());
}

void tst_Group::failureOfCanceledWorkIsNotNewWorks_data()
{
    QTest::addColumn<bool>("sameRound");
    // cancel() on this thread ends the round at once: the new work is a next round.
    QTest::newRow("next round") << false;
    // cancel() from another thread leaves the round open until this thread drains it: the new
    // work joins it, with a record of its own.
    QTest::newRow("new work in the canceled round") << true;
}

void tst_Group::failureOfCanceledWorkIsNotNewWorks()
{
    QFETCH(bool, sameRound);
    QSemaphore started;
    QSemaphore release;
    QSemaphore releaseNew;
    QThreadPool pool; // after what the workers use: its destructor waits for them
    const auto releaseWorkers = qScopeGuard([&] {
        release.release();
        releaseNew.release();
    });
    Group group;
    group.setFailurePolicy(Group::CancelOnFailure);
    QSignalSpy failed(&group, &Group::taskFailed);
    group.spawn(&pool, throwsWhenReleased(started, release, "old"));
    QVERIFY(started.tryAcquire(1, TestUtil::Patience));
    if (sameRound) {
        std::thread canceler([&group] { group.cancel(); });
        canceler.join();
    } else {
        group.cancel();
    }
    QCOMPARE(group.isIdle(), !sameRound);
    const QFuture<int> fresh = group.spawn(&pool, [&releaseNew] {
        releaseNew.acquire();
        return 1;
    });
    // The canceled work fails while the new work runs: signaled, but not the new work's failure.
    release.release();
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, TestUtil::Patience);
    QVERIFY(group.failures().isEmpty());
    QCOMPARE(group.failedCount(), 0);
    // Nor does it cancel the new work under CancelOnFailure.
    releaseNew.release();
    QVERIFY(group.join(QDeadlineTimer(TestUtil::Patience)));
    QCOMPARE(fresh.result(), 1);
}

void tst_Group::pauseHoldsQueuedTasks()
{
    QSemaphore release;
    QThreadPool pool; // after what the worker uses: its destructor waits for the worker
    const auto releaseWorker = qScopeGuard([&release] { release.release(); });
    Pool group(2);
    QSignalSpy paused(&group, &Group::pausedChanged);
    group.spawn(&pool, [&release] { release.acquire(); });
    group.setPaused(true);
    group.setPaused(true); // no change, no signal
    QCOMPARE(paused.count(), 1);
    QVERIFY(group.isPaused());
    QCOMPARE(group.freeCount(), 0);
    std::atomic<int> ran = 0;
    for (int i = 0; i < 3; ++i)
        group.spawn(&pool, [&ran] { ++ran; });
    // Queued, although a slot is free; running work goes on.
    QCOMPARE(group.queuedCount(), 3);
    QCOMPARE(group.runningCount(), 1);
    release.release();
    QTRY_COMPARE_WITH_TIMEOUT(group.finishedCount(), 1, TestUtil::Patience);
    QCOMPARE(group.queuedCount(), 3);
    QCOMPARE(ran.load(), 0);
    // join() waits until its deadline; it does not resume the group.
    QVERIFY(!group.join(QDeadlineTimer(50)));
    QVERIFY(group.isPaused());
    QCOMPARE(group.queuedCount(), 3);
    // Adopted work is running already: it counts at once.
    const QFuture<int> adopted = group.spawn(TestUtil::readyFuture(7));
    QCOMPARE(adopted.result(), 7);
    group.setPaused(false);
    QCOMPARE(paused.count(), 2);
    QVERIFY(group.join(QDeadlineTimer(TestUtil::Patience)));
    QCOMPARE(ran.load(), 3);
    QCOMPARE(group.finishedCount(), 5);
}

void tst_Group::resumeFromAnotherThread()
{
    Pool group(1);
    group.setPaused(true);
    std::atomic<int> ran = 0;
    for (int i = 0; i < 10; ++i)
        group.spawn([&ran] { ++ran; });
    QCOMPARE(group.queuedCount(), 10);
    // Another thread waits for a free slot, which pausing takes away, then resumes the group.
    std::atomic<bool> sawNoSlot = false;
    std::thread resumer([&group, &sawNoSlot] {
        sawNoSlot = group.freeCount() == 0;
        group.setPaused(false);
    });
    const bool joined = group.join(QDeadlineTimer(TestUtil::Patience));
    resumer.join(); // before any QVERIFY: a joinable std::thread must not be destroyed
    QVERIFY(joined);
    QVERIFY(sawNoSlot);
    QCOMPARE(ran.load(), 10);
    QVERIFY(!group.isPaused());
    // Paused from another thread, while this one waits for a slot: waitAvailable() sees it.
    std::thread pauser([&group] { group.setPaused(true); });
    pauser.join();
    QVERIFY(!group.waitAvailable(QDeadlineTimer(20)));
    std::thread resumer2([&group] { group.setPaused(false); });
    const bool available = group.waitAvailable(QDeadlineTimer(TestUtil::Patience));
    resumer2.join();
    QVERIFY(available);
}

void tst_Group::cancelFromAnotherThread()
{
    Group group;
    QSemaphore release;
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    group.spawn(&pool, [&release] { release.acquire(); });
    std::thread canceler([&group] { group.cancel(); });
    canceler.join();
    QVERIFY(group.join(QDeadlineTimer(10000)));
    QVERIFY(group.isIdle());
    release.release();
    pool.waitForDone();
    QCOMPARE(group.finishedCount(), 1);
}

void tst_Group::canceledQueuedTaskNeverStarts()
{
    Group group;
    group.setMaxConcurrency(1);
    group.spawn([] { return delayed(30, 0); });
    bool started = false;
    QFuture<int> queued = group.spawn([&started] {
        started = true;
        return delayed(10, 1);
    });
    queued.cancel();
    QVERIFY(group.join(QDeadlineTimer(10000)));
    QVERIFY(!started);
    QVERIFY(queued.isFinished());
    QCOMPARE(group.finishedCount(), 2);
}

void tst_Group::joinedFuture()
{
    Group group;
    group.spawn([] { return delayed(20, 1); });
    QFuture<void> joined = group.joined();
    QVERIFY(!joined.isFinished());
    QTRY_VERIFY_WITH_TIMEOUT(joined.isFinished(), 10000);
    QVERIFY(!joined.isCanceled());
    QVERIFY(group.isIdle());
}

void tst_Group::joinedCarriesFailureAndCancel()
{
    Group group;
    group.spawn(TestUtil::failingAfter(10, "joined boom"));
    QFuture<void> failedRound = group.joined();
    QTRY_VERIFY_WITH_TIMEOUT(failedRound.isFinished(), 10000);
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, failedRound.waitForFinished());
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, group.join());

    group.spawn([] { return delayed(60000, 1); });
    QFuture<void> canceledRound = group.joined();
    group.cancel();
    QVERIFY(canceledRound.isFinished());
    QVERIFY(canceledRound.isCanceled());
}

void tst_Group::roundsResetCounters()
{
    Group group;
    QSignalSpy finished(&group, &Group::finished);
    QSignalSpy idle(&group, &Group::idleChanged);
    for (int i = 0; i < 3; ++i)
        group.spawn([i] { return i; });
    QVERIFY(group.join());
    QCOMPARE(group.spawnedCount(), 3);
    QCOMPARE(finished.count(), 1);
    // idleChanged pairs up (a round that starts and ends between two drains is coalesced).
    QCOMPARE(idle.count() % 2, 0);
    for (int i = 0; i < 2; ++i)
        group.spawn(TestUtil::readyFuture(i));
    QVERIFY(group.join());
    QCOMPARE(group.spawnedCount(), 2);
    QCOMPARE(group.finishedCount(), 2);
    QCOMPARE(finished.count(), 2);
}

void tst_Group::countersAsProperties()
{
    Group group;
    QSignalSpy counts(&group, &Group::countsChanged);
    group.setMaxConcurrency(1);
    group.spawn([] { return delayed(20, 1); });
    group.spawn([] { return delayed(20, 2); });
    QCOMPARE(group.property("spawnedCount").toInt(), 2);
    QCOMPARE(group.property("runningCount").toInt(), 1);
    QCOMPARE(group.property("queuedCount").toInt(), 1);
    QCOMPARE(group.property("idle").toBool(), false);
    QCOMPARE(group.property("maxConcurrency").toInt(), 1);
    QVERIFY(group.setProperty("failurePolicy", Group::CancelOnFailure));
    QCOMPARE(group.failurePolicy(), Group::CancelOnFailure);
    QVERIFY(group.join(QDeadlineTimer(10000)));
    QVERIFY(counts.count() >= 1);
    QCOMPARE(group.property("finishedCount").toInt(), 2);
    QCOMPARE(group.property("failedCount").toInt(), 0);
    QCOMPARE(group.property("idle").toBool(), true);
}

void tst_Group::joinFromInsideTaskRefuses()
{
    Group group;
    const QByteArray warning = "AioUtils::Group::join: called from inside one of the group's own "
                               "tasks, which would wait for itself; returning false";
    QTest::ignoreMessage(QtWarningMsg, warning.constData());
    QFuture<bool> fromWorker = group.spawn([&group] { return group.join(); });
    QTest::ignoreMessage(QtWarningMsg, warning.constData());
    bool fromGroupThread = true;
    group.spawn([&] {
        fromGroupThread = group.join();
        return delayed(5, 0);
    });
    QVERIFY(group.join(QDeadlineTimer(10000)));
    QCOMPARE(fromWorker.result(), false);
    QCOMPARE(fromGroupThread, false);
}

void tst_Group::joinTimesOut()
{
    Group group;
    group.spawn([] { return delayed(60000, 1); });
    QElapsedTimer clock;
    clock.start();
    QVERIFY(!group.join(QDeadlineTimer(50)));
    QVERIFY(clock.elapsed() >= 45);
    QVERIFY(!group.isIdle());
    group.cancel();
}

void tst_Group::joinFromAnotherThreadWaits()
{
    Group group;
    group.spawn([] { return delayed(50, 1); });
    std::atomic<int> result { -1 };
    std::thread joiner([&] { result = group.join(QDeadlineTimer(20000)) ? 1 : 0; });
    // The group's own thread keeps spinning; the other thread just waits.
    QTRY_COMPARE_WITH_TIMEOUT(result.load(), 1, 20000);
    joiner.join();
    QVERIFY(group.isIdle());
}

void tst_Group::maxConcurrencyNegativeWarns()
{
    Group group;
    QSignalSpy changed(&group, &Group::maxConcurrencyChanged);
    group.setMaxConcurrency(3);
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Group::setMaxConcurrency: -2 is negative; using 0 (unlimited)");
    group.setMaxConcurrency(-2);
    QCOMPARE(group.maxConcurrency(), 0);
    QCOMPARE(changed.count(), 2);
}

// Destroying a group mid-round cancels everything; work that ends later finds it gone.
void tst_Group::destroyMidRound()
{
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    QSemaphore gate;
    std::vector<QFuture<int>> futures;
    std::atomic<int> started { 0 };
    {
        Group group;
        group.setMaxConcurrency(2);
        for (int i = 0; i < 6; ++i) {
            futures.push_back(group.spawn(&pool, [&, i] {
                ++started;
                gate.acquire();
                return i;
            }));
        }
        QTRY_COMPARE(started.load(), 2);
    }
    // The queued ones are finished (canceled) already; the running ones once their work returns.
    for (int i = 2; i < 6; ++i) {
        QVERIFY(futures[i].isFinished());
        QVERIFY(futures[i].isCanceled());
    }
    gate.release(2);
    QVERIFY(pool.waitForDone(10000));
    QCOMPARE(started.load(), 2);
    for (const QFuture<int> &future : futures)
        QVERIFY(future.isFinished());
}

void tst_Group::destroyThroughParentWithPendingFutures()
{
    QPromise<int> adopted;
    adopted.start();
    auto *parent = new QObject;
    auto *group = new Group(parent);
    group->spawn(adopted.future());
    const QFuture<int> lazy = group->spawn([] { return delayed(60000, 1); });
    delete parent;
    // A continuation that arrives after the group died does nothing.
    adopted.addResult(5);
    adopted.finish();
    QVERIFY(lazy.isCanceled());
    QCoreApplication::processEvents();
}

// The seed's threading test: groups created and joined in 4 threads at once, for a while.
void tst_Group::groupsInFourThreads()
{
    std::atomic<int> rounds { 0 };
    std::atomic<int> errors { 0 };
    QDeadlineTimer until(1000);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            while (!until.hasExpired()) {
                Group group;
                std::atomic<int> sum { 0 };
                for (int i = 0; i < 10; ++i) {
                    group.spawn([&sum, i] { sum += i; });
                    group.spawn([i] { return delayed(5, i); });
                    group.spawn(TestUtil::readyFuture(i));
                }
                if (!group.join(QDeadlineTimer(20000)) || sum != 45 || group.finishedCount() != 30
                    || group.spawnedCount() != 30) {
                    ++errors;
                }
                ++rounds;
            }
            Q_UNUSED(t);
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QCOMPARE(errors.load(), 0);
    QVERIFY(rounds.load() >= 4);
}

// 2,000 spawns from 4 threads at once into one group.
void tst_Group::spawnsFromFourThreads()
{
    Group group;
    std::atomic<int> ran { 0 };
    std::atomic<bool> go { false };
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            while (!go)
                std::this_thread::yield();
            for (int i = 0; i < 500; ++i) {
                if (i % 2)
                    group.spawn([&ran] { ++ran; });
                else
                    group.spawn([&ran] {
                        ++ran;
                        return TestUtil::readyFuture(1);
                    });
            }
        });
    }
    go = true;
    for (std::thread &thread : threads)
        thread.join();
    QVERIFY(group.join(QDeadlineTimer(30000)));
    QCOMPARE(ran.load(), 2000);
    QCOMPARE(group.spawnedCount(), 2000);
    QCOMPARE(group.finishedCount(), 2000);
    QCOMPARE(group.failedCount(), 0);
}

// A queued task's work returns a finished future: finishing the caller's future runs its
// continuation inside the queue pump, and the continuation deletes the group.
void tst_Group::destroyFromContinuationOfQueuedTask()
{
    QThreadPool pool;
    QSemaphore gate;
    QPointer<Group> group = new Group;
    group->setMaxConcurrency(1);
    group->spawn(&pool, [&gate] { gate.acquire(); });
    QFuture<int> queued = group->spawn([] { return TestUtil::readyFuture(42); });
    bool ran = false;
    queued.then(QtFuture::Launch::Sync, [&](int) {
        ran = true;
        delete group.data();
    });
    gate.release();
    QTRY_VERIFY_WITH_TIMEOUT(ran, 10000);
    QVERIFY(!group);
    QVERIFY(pool.waitForDone(10000));
}

// cancel() finishes a queued task's future as canceled; its continuation deletes the group.
void tst_Group::destroyFromContinuationOfCanceledTask()
{
    QPointer<Group> group = new Group;
    group->setMaxConcurrency(1);
    group->spawn([] { return delayed(60000, 0); });
    QFuture<int> queued = group->spawn([] { return delayed(10, 1); });
    bool ran = false;
    queued.onCanceled([&] {
        ran = true;
        delete group.data();
        return 0;
    });
    group->cancel();
    QVERIFY(ran);
    QVERIFY(!group);
}

// A continuation of a queued task's future runs before that task has reported: join() in it
// must refuse instead of waiting for the task it is part of.
void tst_Group::joinInContinuationOfQueuedTaskRefuses()
{
    Group group;
    group.setMaxConcurrency(1);
    group.spawn([] { return delayed(10, 0); });
    QFuture<int> queued = group.spawn([] { return delayed(10, 1); });
    std::optional<bool> joinedInside;
    queued.then(QtFuture::Launch::Sync,
                [&](int) { joinedInside = group.join(QDeadlineTimer(5000)); });
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Group::join: called from inside one of the group's own tasks, "
                         "which would wait for itself; returning false");
    QVERIFY(group.join(QDeadlineTimer(10000)));
    QVERIFY(joinedInside.has_value());
    QCOMPARE(*joinedInside, false);
}

// Raising the limit frees slots: waiters (on this thread and others) see it at once.
void tst_Group::raisingLimitWakesWaiters()
{
    Pool pool(1);
    pool.spawn([] { return delayed(60000, 0); });
    QVERIFY(pool.isFull());
    QTimer::singleShot(50, &pool, [&pool] { pool.setSize(2); });
    QElapsedTimer clock;
    clock.start();
    QVERIFY(pool.waitAvailable(QDeadlineTimer(20000)));
    QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
    pool.cancel();
}

QTEST_GUILESS_MAIN(tst_Group)
#include "tst_group.moc"
