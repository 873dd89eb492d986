// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// taskTimeout: a task running past it is canceled with what it linked and fails with
// TimeoutError; queued time does not count; the races of a deadline against a task's end.

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>
#include <AioUtils/TimeoutError>

#include "gate.h"
#include "testutil.h"

#include <QtCore/qpromise.h>
#include <QtCore/qrandom.h>
#include <QtCore/qscopeguard.h>
#include <QtCore/qsemaphore.h>
#include <QtCore/qthreadpool.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <atomic>
#include <memory>

using AioUtils::Group;
using AioUtils::TimeoutError;
using TestUtil::Patience;

namespace {
// The limit of the TimeoutError `failure` holds; -1 if it holds something else.
int timeoutOf(const std::exception_ptr &failure)
{
    if (!failure)
        return -1;
    try {
        std::rethrow_exception(failure);
    } catch (const TimeoutError &e) {
        return e.timeoutMs();
    } catch (...) {
        return -1;
    }
}

// The limit of the TimeoutError that `future` finished with; -1 if it finished otherwise.
template<typename T> int timeoutOf(const QFuture<T> &future)
{
    try {
        QFuture<T>(future).waitForFinished();
    } catch (const TimeoutError &e) {
        return e.timeoutMs();
    } catch (...) {
    }
    return -1;
}

// A started promise, for futures the test settles (or never settles) itself.
template<typename T> std::shared_ptr<QPromise<T>> started()
{
    auto promise = std::make_shared<QPromise<T>>();
    promise->start();
    return promise;
}
} // namespace

class tst_Timeout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void property();
    void negativeWarnsAndMeansNone();
    void threadPoolTaskFailsInItsFuture();
    void postedTaskTimesOut();
    void promiseCallableSeesTheTimeout();
    void futureWorkIsCanceledWithWhatItLinked();
    void queuedFutureWorkFailsInTheCallersFuture();
    void adoptedFutureIsCanceled();
    void finishedInTimeIsNoFailure();
    void queuedTimeDoesNotCount();
    void cancelOnFailureCancelsTheRound();
    void orderedBagGivesUpThePlace();
    void lateFailureIsKeptNotCounted();
    void deadlineRacesTheEnd();
    void groupDestroyedByTheTimeout();
};

void tst_Timeout::property()
{
    Group group;
    QCOMPARE(group.taskTimeout(), 0);
    QSignalSpy changed(&group, &Group::taskTimeoutChanged);
    group.setTaskTimeout(250);
    QCOMPARE(group.taskTimeout(), 250);
    QCOMPARE(group.property("taskTimeout").toInt(), 250);
    group.setTaskTimeout(250);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(QString::fromUtf8(TimeoutError(250).what()),
             QStringLiteral("task timed out after 250 ms (taskTimeout)"));
}

void tst_Timeout::negativeWarnsAndMeansNone()
{
    Group group;
    group.setTaskTimeout(100);
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Group::setTaskTimeout: taskTimeout -5 is negative; using 0 "
                         "(none)");
    group.setTaskTimeout(-5);
    QCOMPARE(group.taskTimeout(), 0);
}

void tst_Timeout::threadPoolTaskFailsInItsFuture()
{
    QSemaphore release;
    QThreadPool pool;
    const auto releaseWorker = qScopeGuard([&release] { release.release(); });
    Group group;
    group.setTaskTimeout(50);
    QSignalSpy failed(&group, &Group::taskFailed);
    QFuture<int> future = group.spawn(&pool, [&release] {
        release.acquire();
        return 1;
    });
    // The task is over for the group while the callable still runs: it cannot be stopped.
    QTRY_COMPARE_WITH_TIMEOUT(group.failedCount(), 1, Patience);
    QCOMPARE(group.runningCount(), 0);
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed.at(0).at(0).toString(),
             QStringLiteral("task timed out after 50 ms (taskTimeout)"));
    QVERIFY_THROWS_EXCEPTION(TimeoutError, group.join(QDeadlineTimer(Patience)));
    release.release();
    // When it returns, its value no longer counts: the future keeps the TimeoutError.
    QCOMPARE(timeoutOf(future), 50);
    QCOMPARE(future.resultCount(), 0);
    QCOMPARE(group.failedCount(), 1);
}

void tst_Timeout::postedTaskTimesOut()
{
    QSemaphore release;
    QThreadPool pool;
    const auto releaseWorker = qScopeGuard([&release] { release.release(); });
    Group group;
    group.setTaskTimeout(50);
    group.post(&pool, [&release] { release.acquire(); });
    QVERIFY_THROWS_EXCEPTION(TimeoutError, group.join(QDeadlineTimer(Patience)));
    QCOMPARE(group.failedCount(), 1);
    QCOMPARE(group.finishedCount(), 1);
}

void tst_Timeout::promiseCallableSeesTheTimeout()
{
    QThreadPool pool;
    Group group;
    group.setTaskTimeout(50);
    // Without results, the future fails with the TimeoutError.
    QFuture<void> quiet = group.spawn(&pool, [](QPromise<void> &promise) {
        const QDeadlineTimer limit(Patience);
        while (!promise.isCanceled() && !limit.hasExpired())
            QThread::msleep(1);
    });
    // With results, which Qt cannot keep next to an exception, the future is canceled; the group
    // records the TimeoutError either way.
    QFuture<int> counting = group.spawn(&pool, [](QPromise<int> &promise) {
        promise.addResult(1);
        const QDeadlineTimer limit(Patience);
        while (!promise.isCanceled() && !limit.hasExpired())
            QThread::msleep(1);
    });
    QVERIFY_THROWS_EXCEPTION(TimeoutError, group.join(QDeadlineTimer(Patience)));
    pool.waitForDone();
    QCOMPARE(timeoutOf(quiet), 50);
    QVERIFY(counting.isCanceled());
    QCOMPARE(timeoutOf(counting), -1);
    QCOMPARE(group.failedCount(), 2);
}

void tst_Timeout::futureWorkIsCanceledWithWhatItLinked()
{
    Group group;
    group.setTaskTimeout(50);
    const auto request = started<int>();
    const auto side = started<void>();
    QFuture<int> parsed = group.spawn([&] {
        AioUtils::link(side->future());
        // The request is linked, and the task's future is the then() made of it.
        return AioUtils::link(request->future()).then([](int v) { return v + 1; });
    });
    QVERIFY_THROWS_EXCEPTION(TimeoutError, group.join(QDeadlineTimer(Patience)));
    QVERIFY(request->future().isCanceled());
    QVERIFY(side->future().isCanceled());
    QVERIFY(parsed.isCanceled());
    QCOMPARE(timeoutOf(group.failures().value(0)), -1); // join() took the record
    QCOMPARE(group.failedCount(), 1);
}

void tst_Timeout::queuedFutureWorkFailsInTheCallersFuture()
{
    AioUtils::Pool pool(1);
    TestUtil::Gates gates;
    const QFuture<int> first = gates.make();
    pool.spawn(first);
    const auto inner = started<int>();
    const auto side = started<void>();
    // Queued behind the adopted future: the group made the future the caller holds.
    QFuture<int> queued = pool.spawn([&] {
        AioUtils::link(side->future());
        return inner->future();
    });
    QCOMPARE(pool.queuedCount(), 1);
    pool.setTaskTimeout(50);
    gates.open(0, 1);
    QVERIFY_THROWS_EXCEPTION(TimeoutError, pool.join(QDeadlineTimer(Patience)));
    QTRY_VERIFY_WITH_TIMEOUT(queued.isFinished(), Patience);
    QCOMPARE(timeoutOf(queued), 50);
    QVERIFY(inner->future().isCanceled());
    QVERIFY(side->future().isCanceled());
}

void tst_Timeout::adoptedFutureIsCanceled()
{
    Group group;
    group.setTaskTimeout(50);
    const auto promise = started<int>();
    const QFuture<int> adopted = group.spawn(promise->future());
    QSignalSpy failed(&group, &Group::taskFailed);
    QVERIFY_THROWS_EXCEPTION(TimeoutError, group.join(QDeadlineTimer(Patience)));
    QVERIFY(adopted.isCanceled());
    QCOMPARE(failed.size(), 1);
    // Finished adopted futures never time out.
    group.spawn(TestUtil::delayed(0, 1));
    QVERIFY(group.join(QDeadlineTimer(Patience)));
}

void tst_Timeout::finishedInTimeIsNoFailure()
{
    Group group;
    group.setTaskTimeout(10000);
    QThreadPool pool;
    for (int i = 0; i < 20; ++i) {
        group.spawn(&pool, [] { return 1; });
        group.spawn(TestUtil::delayed(10, 1));
        group.spawn([] { return TestUtil::delayed(10, 2); });
    }
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(group.failedCount(), 0);
    QCOMPARE(group.finishedCount(), 60);
}

void tst_Timeout::queuedTimeDoesNotCount()
{
    // Three tasks of about 150 ms one after the other, each within a 600 ms limit, although the
    // last one ends some 450 ms after it was spawned. Event-driven: each is a delayed future.
    AioUtils::Pool pool(1);
    pool.setTaskTimeout(600);
    for (int i = 0; i < 3; ++i)
        pool.spawn([] { return TestUtil::delayed(150, 1); });
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(pool.failedCount(), 0);

    // Nor does time waiting for a thread of the pool: one thread, two callables.
    QSemaphore firstRuns;
    QSemaphore release;
    QThreadPool threads;
    threads.setMaxThreadCount(1);
    const auto releaseWorker = qScopeGuard([&release] { release.release(2); });
    Group group;
    group.setTaskTimeout(300);
    QFuture<void> first = group.spawn(&threads, [&] {
        firstRuns.release();
        release.acquire();
    });
    QFuture<int> second = group.spawn(&threads, [] { return 2; });
    QVERIFY(firstRuns.tryAcquire(1, Patience));
    // The first one times out; the second, waiting for the thread, does not.
    QTRY_COMPARE_WITH_TIMEOUT(group.failedCount(), 1, Patience);
    QVERIFY(!second.isFinished());
    release.release();
    QVERIFY_THROWS_EXCEPTION(TimeoutError, group.join(QDeadlineTimer(Patience)));
    QCOMPARE(second.result(), 2);
    QCOMPARE(group.failedCount(), 1);
}

void tst_Timeout::cancelOnFailureCancelsTheRound()
{
    Group group;
    group.setFailurePolicy(Group::CancelOnFailure);
    group.setTaskTimeout(50);
    const auto slow = started<int>();
    const auto other = started<int>();
    group.spawn(slow->future());
    group.setTaskTimeout(0);
    const QFuture<int> untimed = group.spawn(other->future());
    QVERIFY_THROWS_EXCEPTION(TimeoutError, group.join(QDeadlineTimer(Patience)));
    QVERIFY(untimed.isCanceled()); // canceled by the first failure, not timed out
    QCOMPARE(group.failedCount(), 1);
}

void tst_Timeout::orderedBagGivesUpThePlace()
{
    AioUtils::OrderedBag bag;
    bag.setTaskTimeout(50);
    const auto never = started<int>();
    bag.spawn(never->future());
    bag.setTaskTimeout(0);
    bag.spawn(TestUtil::delayed(10, 2));
    // The second result waits for the first place, which the timeout gives up; the failure
    // comes after the last result.
    QCOMPARE(bag.next(QDeadlineTimer(Patience)), std::optional<QVariant>(2));
    QVERIFY_THROWS_EXCEPTION(TimeoutError, bag.next(QDeadlineTimer(Patience)));
}

void tst_Timeout::lateFailureIsKeptNotCounted()
{
    QSemaphore release;
    QThreadPool pool;
    const auto releaseWorker = qScopeGuard([&release] { release.release(); });
    Group group;
    group.setTaskTimeout(50);
    QSignalSpy failed(&group, &Group::taskFailed);
    group.spawn(&pool, [&release](/* cancel-aware work would take a QPromise */) {
        release.acquire();
        throw std::runtime_error("gave up");
    });
    QTRY_COMPARE_WITH_TIMEOUT(group.failedCount(), 1, Patience);
    release.release();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 2, Patience);
    QCOMPARE(failed.at(1).at(0).toString(), QStringLiteral("gave up"));
    QCOMPARE(group.failedCount(), 1);
    QCOMPARE(group.failures().size(), 2);
    QCOMPARE(timeoutOf(group.failures().at(0)), 50);
}

void tst_Timeout::deadlineRacesTheEnd()
{
    // Tasks whose end and deadline fall together: whichever wins, the group and the task's
    // future agree, and every task is counted once.
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    for (int round = 0; round < 5; ++round) {
        Group group;
        group.setTaskTimeout(2);
        QList<QFuture<int>> futures;
        for (int i = 0; i < 200; ++i) {
            futures.append(group.spawn(&pool, [] {
                QThread::usleep(1500 + 100 * (QRandomGenerator::global()->bounded(10)));
                return 1;
            }));
        }
        try {
            group.join(QDeadlineTimer(Patience));
        } catch (const TimeoutError &) {
        }
        QVERIFY(group.isIdle());
        // A timed-out callable runs on (it cannot be stopped) and finishes its future later.
        pool.waitForDone();
        int timedOut = 0;
        for (const QFuture<int> &future : std::as_const(futures)) {
            QVERIFY(future.isFinished());
            if (future.isCanceled()) {
                QCOMPARE(timeoutOf(future), 2);
                ++timedOut;
            } else {
                QCOMPARE(future.result(), 1);
            }
        }
        QCOMPARE(group.failedCount(), timedOut);
        QCOMPARE(group.finishedCount(), 200);
    }
}

void tst_Timeout::groupDestroyedByTheTimeout()
{
    // The timeout's failure signal destroys the group while the timed-out task is still being
    // canceled (its callable runs on); the task's end then finds nothing.
    QSemaphore release;
    QThreadPool pool;
    const auto releaseWorker = qScopeGuard([&release] { release.release(); });
    auto group = std::make_unique<Group>();
    group->setTaskTimeout(30);
    const auto linked = started<void>();
    QFuture<void> future = group->spawn(&pool, [&] {
        AioUtils::link(linked->future());
        release.acquire();
    });
    bool destroyed = false;
    connect(group.get(), &Group::taskFailed, this, [&] {
        group.reset();
        destroyed = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(destroyed, Patience);
    QVERIFY(linked->future().isCanceled());
    release.release();
    QCOMPARE(timeoutOf(future), 30);
}

QTEST_MAIN(tst_Timeout)
#include "tst_timeout.moc"
