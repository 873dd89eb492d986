// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Cancellation that reaches a task's work: thread-pool callables that take QPromise<T> & (cancel
// polling, progress, several results), AioUtils::link(), and every way of canceling a task
// reaching what it linked.

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include "gate.h"
#include "testutil.h"

#include <QtCore/qfuturewatcher.h>
#include <QtCore/qpromise.h>
#include <QtCore/qscopeguard.h>
#include <QtCore/qsemaphore.h>
#include <QtCore/qthreadpool.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>

using AioUtils::Group;
using TestUtil::Patience;

namespace {
// A started promise, for futures the test settles (or never settles) itself.
template<typename T = void> std::shared_ptr<QPromise<T>> started()
{
    auto promise = std::make_shared<QPromise<T>>();
    promise->start();
    return promise;
}

// Work that tells `running` it runs, then polls its promise until it is canceled, and notes in
// `sawCancel` whether it was.
auto untilCanceled(QSemaphore &running, std::atomic<bool> &sawCancel)
{
    return [&running, &sawCancel](QPromise<int> &promise) {
        running.release();
        const QDeadlineTimer limit(Patience);
        while (!promise.isCanceled() && !limit.hasExpired())
            QThread::yieldCurrentThread();
        sawCancel = promise.isCanceled();
    };
}

// Work that adds `count` results, polling for cancellation between them.
void countTo(QPromise<int> &promise, int count)
{
    for (int i = 0; i < count && !promise.isCanceled(); ++i)
        promise.addResult(i);
}
} // namespace

class tst_Cancellation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // QPromise<T> & callables
    void promiseCallableResults();
    void promiseCallableInABag();
    void promiseCallableSeesCancel();
    void promiseCallableProgress();
    void promiseCallableFailure();
    void postedPromiseCallableIsCanceled();

    // link()
    void linkOutsideATask();
    void linkOfAnInvalidFuture();
    void cancelingTheTasksFutureCancelsWhatItLinked();
    void cancelingAQueuedTasksFutureReachesItsWork();
    void cancelingAThreadPoolTasksFutureReachesWhatItLinked();
    void failureCancelsWhatItLinked();
    void successLeavesWhatItLinked();
    void leavingYieldingCancelsWhatItLinked();
    void cancelWhileLinkingOnAnotherThread();
};

void tst_Cancellation::promiseCallableResults()
{
    Group group;
    QThreadPool pool;
    QFuture<int> future = group.spawn(&pool, countTo, 3);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(future.results(), QList<int>({ 0, 1, 2 }));
    // A lambda, and post().
    std::atomic<int> posted = 0;
    group.post(&pool, [&posted](QPromise<void> &promise) {
        if (!promise.isCanceled())
            ++posted;
    });
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(posted.load(), 1);
}

void tst_Cancellation::promiseCallableInABag()
{
    // Each added result is a result of the bag, in order in an OrderedBag.
    AioUtils::OrderedBag bag;
    QThreadPool pool;
    bag.spawn(&pool, countTo, 3);
    bag.post(
            &pool,
            [](QPromise<int> &promise, int from) {
                promise.addResult(from);
                promise.addResult(from + 1);
            },
            10);
    QVERIFY(bag.join(QDeadlineTimer(Patience)));
    QCOMPARE(bag.takeAll(), QVariantList({ 0, 1, 2, 10, 11 }));
}

void tst_Cancellation::promiseCallableSeesCancel()
{
    QSemaphore running;
    QThreadPool pool;
    std::atomic<bool> sawCancel = false;
    Group group;
    QFuture<int> future = group.spawn(&pool, untilCanceled(running, sawCancel));
    QVERIFY(running.tryAcquire(1, Patience));
    // The caller's cancel reaches the running work.
    future.cancel();
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QVERIFY(sawCancel);
    QCOMPARE(group.failedCount(), 0);

    // So does the group's.
    sawCancel = false;
    group.spawn(&pool, untilCanceled(running, sawCancel));
    QVERIFY(running.tryAcquire(1, Patience));
    group.cancel();
    pool.waitForDone();
    QVERIFY(sawCancel);
}

void tst_Cancellation::promiseCallableProgress()
{
    QSemaphore reported;
    QSemaphore release;
    QThreadPool pool;
    const auto releaseWorker = qScopeGuard([&release] { release.release(); });
    Group group;
    QFuture<void> future = group.spawn(&pool, [&](QPromise<void> &promise) {
        promise.setProgressRange(0, 10);
        promise.setProgressValue(4);
        reported.release();
        release.acquire();
    });
    QVERIFY(reported.tryAcquire(1, Patience));
    QCOMPARE(future.progressMaximum(), 10);
    QCOMPARE(future.progressValue(), 4);
    release.release();
    QVERIFY(group.join(QDeadlineTimer(Patience)));
}

void tst_Cancellation::promiseCallableFailure()
{
    Group group;
    QThreadPool pool;
    QFuture<int> future = group.spawn(&pool, [](QPromise<int> &promise) {
        promise.addResult(1);
        throw std::runtime_error("broken");
    });
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, group.join(QDeadlineTimer(Patience)));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, future.waitForFinished());
    QCOMPARE(group.failedCount(), 1);
}

void tst_Cancellation::postedPromiseCallableIsCanceled()
{
    // Posted work has no future; its promise is the group's to cancel.
    QSemaphore running;
    QThreadPool pool;
    std::atomic<bool> sawCancel = false;
    Group group;
    group.post(&pool, untilCanceled(running, sawCancel));
    QVERIFY(running.tryAcquire(1, Patience));
    group.cancel();
    pool.waitForDone();
    QVERIFY(sawCancel);
}

void tst_Cancellation::linkOutsideATask()
{
    const auto promise = started<int>();
    const QFuture<int> future = AioUtils::link(promise->future());
    QVERIFY(!future.isCanceled());
    promise->addResult(5);
    promise->finish();
    QCOMPARE(future.result(), 5);
}

void tst_Cancellation::linkOfAnInvalidFuture()
{
    Group group;
    group.spawn([] {
        // A default-constructed future: nothing to link, nothing to warn about.
        QFuture<int> none = AioUtils::link(QFuture<int>());
        return TestUtil::delayed(10, 1);
    });
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(group.failedCount(), 0);
}

void tst_Cancellation::cancelingTheTasksFutureCancelsWhatItLinked()
{
    // fetch(...).then(parse) in small: the request is linked, the task's future is the then().
    Group group;
    const auto request = started<int>();
    QFuture<int> parsed = group.spawn(
            [&] { return AioUtils::link(request->future()).then([](int v) { return v + 1; }); });
    QVERIFY(!request->future().isCanceled());
    parsed.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(request->future().isCanceled(), Patience);
    request->finish(); // the request's owner ends it, as a reply does once aborted
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(group.failedCount(), 0);
}

void tst_Cancellation::cancelingAQueuedTasksFutureReachesItsWork()
{
    // Queued, the task's future is the group's; the work's future and what it linked are
    // canceled with it, and the caller's future finishes at once.
    AioUtils::Pool pool(1);
    TestUtil::Gates gates;
    pool.spawn(gates.make());
    const auto inner = started<int>();
    const auto side = started();
    QFuture<int> queued = pool.spawn([&] {
        AioUtils::link(side->future());
        return inner->future();
    });
    gates.open(0);
    QTRY_COMPARE_WITH_TIMEOUT(pool.runningCount(), 1, Patience);
    QTRY_COMPARE_WITH_TIMEOUT(pool.queuedCount(), 0, Patience);
    bool continued = false;
    auto *watcher = new QFutureWatcher<int>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [&continued] { continued = true; });
    watcher->setFuture(queued);
    queued.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(inner->future().isCanceled(), Patience);
    QVERIFY(side->future().isCanceled());
    QTRY_VERIFY_WITH_TIMEOUT(continued, Patience);
    inner->finish();
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    delete watcher;
}

void tst_Cancellation::cancelingAThreadPoolTasksFutureReachesWhatItLinked()
{
    // Thread-pool work that waits for what it linked: canceling the caller's future cancels it,
    // which lets the work go on.
    QThreadPool pool;
    Group group;
    const auto side = started<int>();
    QSemaphore linked;
    QFuture<int> future = group.spawn(&pool, [&] {
        QFuture<int> work = AioUtils::link(side->future());
        linked.release();
        work.waitForFinished(); // returns once canceled and finished
        return work.isCanceled() ? -1 : 1;
    });
    QVERIFY(linked.tryAcquire(1, Patience));
    future.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(side->future().isCanceled(), Patience);
    side->finish();
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(group.failedCount(), 0);
}

void tst_Cancellation::failureCancelsWhatItLinked()
{
    Group group;
    const auto side = started<int>();
    QFuture<int> failing = group.spawn([&] {
        AioUtils::link(side->future());
        return TestUtil::failingAfter(10, "request failed");
    });
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, group.join(QDeadlineTimer(Patience)));
    QTRY_VERIFY_WITH_TIMEOUT(side->future().isCanceled(), Patience);
}

void tst_Cancellation::successLeavesWhatItLinked()
{
    Group group;
    const auto side = started<int>();
    group.spawn([&] {
        AioUtils::link(side->future());
        return TestUtil::delayed(10, 1);
    });
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    TestUtil::settle();
    QVERIFY(!side->future().isCanceled());
    // Once the task has ended, canceling the group no longer reaches it.
    group.spawn(TestUtil::delayed(60000, 1));
    group.cancel();
    QVERIFY(!side->future().isCanceled());
}

void tst_Cancellation::leavingYieldingCancelsWhatItLinked()
{
    AioUtils::Bag bag;
    const auto side = started<int>();
    bag.put(1);
    bag.spawn([&] {
        AioUtils::link(side->future());
        return TestUtil::delayed(60000, 2);
    });
    for (const QVariant &value : bag.yielding()) {
        QCOMPARE(value.toInt(), 1);
        break;
    }
    QVERIFY(side->future().isCanceled());
}

void tst_Cancellation::cancelWhileLinkingOnAnotherThread()
{
    // cancel() races link() on a worker: either the link lands before the cancel, which then
    // cancels it, or after, and the link cancels it at once. Never left running.
    QThreadPool pool;
    for (int round = 0; round < 200; ++round) {
        Group group;
        const auto side = started<int>();
        QSemaphore running;
        QSemaphore go;
        QSemaphore end;
        // The task ends only after the cancel: a task that ended first would rightly leave what
        // it linked running.
        group.spawn(&pool, [&] {
            running.release();
            go.acquire();
            AioUtils::link(side->future());
            end.acquire();
        });
        QVERIFY(running.tryAcquire(1, Patience));
        go.release();
        group.cancel();
        end.release();
        pool.waitForDone();
        QVERIFY2(side->future().isCanceled(), qPrintable(QString::number(round)));
    }
}

QTEST_MAIN(tst_Cancellation)
#include "tst_cancellation.moc"
