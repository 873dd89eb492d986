// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// AioUtils::delay(): when it finishes, in what order, cancels (at once for long delays, when due
// for short ones), as the task of a group (no watcher follows it; cancel() and taskTimeout reach
// it), and on another thread (its own timer there, gone with the thread).

#include <AioUtils/Delay>
#include <AioUtils/Group>
#include <AioUtils/Pool>
#include <AioUtils/TimeoutError>

#include "testutil.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qthread.h>
#include <QtTest/qtest.h>

#include <atomic>

using namespace std::chrono_literals;
using AioUtils::delay;
using TestUtil::FutureEventCounter;
using TestUtil::Patience;

namespace {

// A thread that makes a delay as it starts, then runs its event loop. What it shares with the
// test goes through atomics and the thread's start and end, which ThreadSanitizer sees (not
// through events posted to it: Qt's own locks are not instrumented).
class DelayThread : public QThread
{
public:
    explicit DelayThread(std::chrono::milliseconds duration) : m_duration(duration) { }
    std::atomic<QThread *> finishedOn { nullptr };
    std::atomic<bool> made { false };
    QFuture<void> future; // set before `made`

protected:
    void run() override
    {
        future = delay(m_duration);
        future.then(QtFuture::Launch::Sync, [this] { finishedOn = QThread::currentThread(); });
        made.store(true, std::memory_order_release);
        exec();
    }

private:
    const std::chrono::milliseconds m_duration;
};

} // namespace

class tst_Delay : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void finishesAfterItsDuration();
    void zeroFinishesOnTheNextTurn();
    void negativeWarnsAndMeansZero();
    void dueOrder();
    void cancelOfALongDelayEndsItAtOnce();
    void cancelOfAShortDelayEndsItWhenDue();
    void tasksOfAPool();
    void noWatcherFollowsADelayTask();
    void groupCancelEndsDelayTasks();
    void taskTimeoutFailsADelayTask();
    void onAnotherThread();
    void pendingWhenItsThreadEndsIsCanceled();
};

void tst_Delay::finishesAfterItsDuration()
{
    QElapsedTimer clock;
    clock.start();
    const QFuture<void> future = delay(100ms);
    QVERIFY(future.isStarted());
    QVERIFY(!future.isFinished());
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QVERIFY2(clock.elapsed() >= 99, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(!future.isCanceled());
}

void tst_Delay::zeroFinishesOnTheNextTurn()
{
    const QFuture<void> future = delay(0ms);
    QVERIFY(!future.isFinished()); // not inside the call
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
}

void tst_Delay::negativeWarnsAndMeansZero()
{
    QTest::ignoreMessage(QtWarningMsg, "AioUtils: delay(): -5 ms is negative; it means 0");
    const QFuture<void> future = delay(-5ms);
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QVERIFY(!future.isCanceled());
}

void tst_Delay::dueOrder()
{
    QList<int> order;
    const auto note = [&order](int ms) {
        delay(std::chrono::milliseconds(ms)).then(QtFuture::Launch::Sync, [&order, ms] {
            order << ms;
        });
    };
    note(90);
    note(30);
    note(60);
    note(0);
    QTRY_COMPARE_WITH_TIMEOUT(order.size(), 4, Patience);
    QCOMPARE(order, QList<int>({ 0, 30, 60, 90 }));
}

void tst_Delay::cancelOfALongDelayEndsItAtOnce()
{
    QElapsedTimer clock;
    clock.start();
    QFuture<void> future = delay(10s);
    future.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QVERIFY(future.isCanceled());
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
}

void tst_Delay::cancelOfAShortDelayEndsItWhenDue()
{
    QFuture<void> future = delay(20ms);
    future.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QVERIFY(future.isCanceled());
}

void tst_Delay::tasksOfAPool()
{
    // Six delays of 100 ms, two at a time: three waves, spawned by name.
    QElapsedTimer clock;
    clock.start();
    AioUtils::Pool pool(2);
    for (int i = 0; i < 6; ++i)
        pool.spawn(delay, 100ms);
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(pool.finishedCount(), 6);
    QVERIFY2(clock.elapsed() >= 290, qPrintable(QString::number(clock.elapsed())));
}

void tst_Delay::noWatcherFollowsADelayTask()
{
    // A delay ends its task itself: short ones post no watcher event at all; a queued task's
    // caller future is watched (three events as the watcher connects), for the caller's cancel.
    constexpr int n = 20;
    FutureEventCounter counter;
    AioUtils::Pool pool(1);
    for (int i = 0; i < n; ++i)
        pool.spawn([] { return delay(1ms); });
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(pool.finishedCount(), n);
    QVERIFY2(counter.count <= 3 * (n - 1),
             qPrintable(
                     QStringLiteral("%1 watcher events for %2 delays").arg(counter.count).arg(n)));
}

void tst_Delay::groupCancelEndsDelayTasks()
{
    // Long delays, one running and two queued: cancel() ends them all at once, and the running
    // one's future (its own, the caller's) finishes canceled without waiting 10 s.
    AioUtils::Pool pool(1);
    QList<QFuture<void>> futures;
    for (int i = 0; i < 3; ++i)
        futures << pool.spawn(delay, 10s);
    QTRY_COMPARE_WITH_TIMEOUT(pool.runningCount(), 1, Patience);
    QElapsedTimer clock;
    clock.start();
    pool.cancel();
    for (const QFuture<void> &future : std::as_const(futures)) {
        QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
        QVERIFY(future.isCanceled());
    }
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    QTRY_VERIFY_WITH_TIMEOUT(pool.isIdle(), Patience);
}

void tst_Delay::taskTimeoutFailsADelayTask()
{
    AioUtils::Group group;
    group.setTaskTimeout(100);
    QFuture<void> future = group.spawn([] { return delay(10s); });
    QElapsedTimer clock;
    clock.start();
    QVERIFY_THROWS_EXCEPTION(AioUtils::TimeoutError, group.join(QDeadlineTimer(Patience)));
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(group.failedCount(), 1);
}

void tst_Delay::onAnotherThread()
{
    // Made on a thread with an event loop, a delay finishes there; the thread's timer goes with
    // the thread.
    DelayThread thread(30ms);
    thread.start();
    QTRY_VERIFY_WITH_TIMEOUT(thread.finishedOn.load() != nullptr, Patience);
    QCOMPARE(thread.finishedOn.load(), &thread);
    thread.quit();
    QVERIFY(thread.wait(Patience));
}

void tst_Delay::pendingWhenItsThreadEndsIsCanceled()
{
    DelayThread thread(10s);
    thread.start();
    QTRY_VERIFY_WITH_TIMEOUT(thread.made.load(std::memory_order_acquire), Patience);
    const QFuture<void> future = thread.future;
    QVERIFY(!future.isFinished());
    thread.quit();
    QVERIFY(thread.wait(Patience));
    QVERIFY(future.isFinished());
    QVERIFY(future.isCanceled());
}

QTEST_GUILESS_MAIN(tst_Delay)
#include "tst_delay.moc"
