// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Thread-pool work goes through the pool's feed of runners: what a pool lets tasks do when each
// task is a QRunnable of its own must still work.

#include <AioUtils/Group>

#include <QtCore/qsemaphore.h>
#include <QtCore/qthreadpool.h>
#include <QtTest/qtest.h>

#include <atomic>

using AioUtils::Group;

class tst_Feed : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void releaseThreadLetsQueuedWorkRun_data();
    void releaseThreadLetsQueuedWorkRun();
    void raisedMaxThreadCountIsUsed_data();
    void raisedMaxThreadCountIsUsed();
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

QTEST_GUILESS_MAIN(tst_Feed)

#include "tst_feed.moc"
