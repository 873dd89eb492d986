// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Group::taskModel(): a live row per task of the round (key, state, progress, error, elapsed),
// with real event loops, timers and thread pools; every model is watched by Qt's own
// QAbstractItemModelTester, which fails the test on any inconsistent signal.

#include "gate.h"
#include "testutil.h"

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/Key>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>
#include <AioUtils/TimeoutError>

#include <QtCore/qabstractitemmodel.h>
#include <QtCore/qsemaphore.h>
#include <QtCore/qthread.h>
#include <QtTest/qabstractitemmodeltester.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <atomic>
#include <stdexcept>

using AioUtils::Bag;
using AioUtils::Group;
using AioUtils::Key;
using AioUtils::OrderedBag;
using AioUtils::Pool;
using namespace TestUtil;

namespace {
int role(const QAbstractItemModel *model, const char *name)
{
    return model->roleNames().key(name, -1);
}

QVariant value(const QAbstractItemModel *model, int row, const char *name)
{
    return model->data(model->index(row, 0), role(model, name));
}

// One role of every row, as strings: "running queued".
QString column(const QAbstractItemModel *model, const char *name)
{
    QStringList values;
    for (int row = 0; row < model->rowCount(); ++row)
        values << value(model, row, name).toString();
    return values.join(QLatin1Char(' '));
}

QString states(const QAbstractItemModel *model)
{
    return column(model, "state");
}

// Watches `model` for the rest of the test.
void check(QAbstractItemModel *model)
{
    new QAbstractItemModelTester(model, QAbstractItemModelTester::FailureReportingMode::QtTest,
                                 model);
}

bool cancelAt(QAbstractItemModel *model, int row)
{
    bool canceled = false;
    const bool invoked = QMetaObject::invokeMethod(model, "cancel", Qt::DirectConnection,
                                                   Q_RETURN_ARG(bool, canceled), Q_ARG(int, row));
    return invoked && canceled;
}
} // namespace

class tst_TaskModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rolesAndColumns();
    void rowsFollowTheirTasks();
    void keyedRows();
    void failedRowsCarryTheMessage();
    void cancelEndsEveryRow();
    void spawnLatestCancelsQueuedRows();
    void timedOutRowFails();
    void adoptedFutures();
    void progressAndText();
    void elapsedGrowsWhileRunning();
    void madeMidRound();
    void standInsForPostedWork();
    void endedRowsStayUntilNextRound();
    void limitDropsOldestEnded();
    void limitSetting();
    void cancelRow();
    void cancelParkedAndReadyRows();
    void cancelRowOfPostedWorkIsRefused();
    void bagsAndPools();
    void manyTasksOnThreads();
    void deletedByHand();
    void onlyOnTheGroupsThread();
};

void tst_TaskModel::rolesAndColumns()
{
    Group group;
    QAbstractItemModel *model = group.taskModel();
    QVERIFY(model);
    QCOMPARE(group.taskModel(), model); // one model, made once
    QCOMPARE(group.property("taskModel").value<QAbstractItemModel *>(), model);
    check(model);
    QCOMPARE(model->rowCount(), 0);
    QCOMPARE(model->columnCount(), 5);
    const QHash<int, QByteArray> roles = model->roleNames();
    for (const char *name : { "key", "state", "progress", "error", "elapsed", "text" })
        QVERIFY2(roles.key(name, -1) >= 0, name);
    QCOMPARE(model->headerData(0, Qt::Horizontal).toString(), QStringLiteral("Key"));
    QCOMPARE(model->headerData(1, Qt::Horizontal).toString(), QStringLiteral("State"));

    Gates gates;
    group.spawn(Key(QStringLiteral("k")), [&] { return gates.make(); });
    // Rows come with the drain that follows, as countsChanged() does.
    QTRY_COMPARE(model->rowCount(), 1);
    // The display role of each column, for a QTableView.
    QCOMPARE(model->data(model->index(0, 0)).toString(), QStringLiteral("k"));
    QCOMPARE(model->data(model->index(0, 1)).toString(), QStringLiteral("running"));
    QCOMPARE(model->data(model->index(0, 2)).toString(), QString()); // progress unknown
    QCOMPARE(value(model, 0, "progress").toDouble(), -1.0);
    gates.open(0);
    QTRY_COMPARE(states(model), QStringLiteral("succeeded"));
    QCOMPARE(model->data(model->index(0, 2)).toString(), QStringLiteral("100 %"));
    QCOMPARE(value(model, 0, "progress").toDouble(), 1.0);
    // Every role on every column.
    QCOMPARE(model->data(model->index(0, 4), role(model, "state")).toString(),
             QStringLiteral("succeeded"));
}

void tst_TaskModel::rowsFollowTheirTasks()
{
    Group group;
    group.setMaxConcurrency(1);
    QAbstractItemModel *model = group.taskModel();
    check(model);
    Gates gates;
    group.spawn([&] { return gates.make(); });
    group.spawn([&] { return gates.make(); });
    group.post([&] { return gates.make(); });
    QTRY_COMPARE(model->rowCount(), 3);
    QCOMPARE(states(model), QStringLiteral("running queued queued"));
    QCOMPARE(value(model, 1, "elapsed").toLongLong(), 0); // queued: 0

    gates.open(0);
    QTRY_COMPARE(states(model), QStringLiteral("succeeded running queued"));
    gates.open(1);
    QTRY_COMPARE(states(model), QStringLiteral("succeeded succeeded running"));
    gates.open(2);
    QTRY_COMPARE(states(model), QStringLiteral("succeeded succeeded succeeded"));
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(column(model, "error"), QStringLiteral("  "));
}

void tst_TaskModel::keyedRows()
{
    Group group;
    group.setLimitPerKey(1);
    QAbstractItemModel *model = group.taskModel();
    check(model);
    Gates gates;
    group.spawn(Key(QStringLiteral("a")), [&] { return gates.make(); });
    group.spawn(Key(QStringLiteral("a")), [&] { return gates.make(); });
    group.spawn(Key(QStringLiteral("b")), [&] { return gates.make(); });
    group.spawn(Key(), [&] { return gates.make(); }); // no key: an unkeyed task
    QTRY_COMPARE(column(model, "key"), QStringLiteral("a a b "));
    // The second of key a waits for its key: queued, and holds up no other key.
    QCOMPARE(states(model), QStringLiteral("running queued running running"));
    gates.open(0);
    QTRY_COMPARE(states(model), QStringLiteral("succeeded running running running"));
    for (int i = 1; i < 4; ++i)
        gates.open(i);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(model), QStringLiteral("succeeded succeeded succeeded succeeded"));
}

void tst_TaskModel::failedRowsCarryTheMessage()
{
    QThreadPool threads;
    Group group;
    QAbstractItemModel *model = group.taskModel();
    check(model);
    group.spawn([] { return failingAfter(10, "future broke"); });
    group.spawn(&threads, []() -> int { throw std::runtime_error("thread broke"); });
    group.spawn(&threads, [] { return 1; });
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, group.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(model), QStringLiteral("failed failed succeeded"));
    QCOMPARE(value(model, 0, "error").toString(), QStringLiteral("future broke"));
    QCOMPARE(value(model, 1, "error").toString(), QStringLiteral("thread broke"));
    QCOMPARE(model->data(model->index(1, 3)).toString(), QStringLiteral("thread broke"));
    QCOMPARE(value(model, 2, "error").toString(), QString());
}

void tst_TaskModel::cancelEndsEveryRow()
{
    Group group;
    group.setMaxConcurrency(1);
    QAbstractItemModel *model = group.taskModel();
    check(model);
    Gates gates;
    for (int i = 0; i < 3; ++i)
        group.spawn([&] { return gates.make(); });
    QTRY_COMPARE(states(model), QStringLiteral("running queued queued"));
    group.cancel();
    QCOMPARE(states(model), QStringLiteral("canceled canceled canceled"));
    QCOMPARE(value(model, 2, "elapsed").toLongLong(), 0); // never started
    // Work spawned after the cancel, in a round that goes on: its own row.
    QVERIFY(group.isIdle());
    group.spawn([&] { return gates.make(); });
    QTRY_COMPARE(states(model), QStringLiteral("running")); // a new round: the old rows went
    gates.open(gates.count() - 1);
    QTRY_COMPARE(states(model), QStringLiteral("succeeded"));
}

void tst_TaskModel::spawnLatestCancelsQueuedRows()
{
    Group group;
    group.setLimitPerKey(1);
    QAbstractItemModel *model = group.taskModel();
    check(model);
    Gates gates;
    const Key key(QStringLiteral("search"));
    group.spawn(key, [&] { return gates.make(); });
    group.spawn(key, [&] { return gates.make(); });
    QTRY_COMPARE(states(model), QStringLiteral("running queued"));
    group.spawnLatest(key, [&] { return gates.make(); });
    // The queued one is dropped now; the running one is canceled through its future, and ends
    // (as canceled) once its work stops: here, its gate.
    QTRY_COMPARE(states(model), QStringLiteral("running canceled queued"));
    gates.open(0);
    QTRY_COMPARE(states(model), QStringLiteral("canceled canceled running"));
    gates.open(gates.count() - 1);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(model), QStringLiteral("canceled canceled succeeded"));
}

void tst_TaskModel::timedOutRowFails()
{
    Group group;
    group.setTaskTimeout(50);
    QAbstractItemModel *model = group.taskModel();
    check(model);
    Gates gates;
    group.spawn([&] { return gates.make(); }); // never opened
    QVERIFY_THROWS_EXCEPTION(AioUtils::TimeoutError, group.join(QDeadlineTimer(Patience)));
    QCOMPARE(states(model), QStringLiteral("failed"));
    QVERIFY2(value(model, 0, "error").toString().contains(QLatin1String("50")),
             qPrintable(value(model, 0, "error").toString()));
    QVERIFY(value(model, 0, "elapsed").toLongLong() >= 40);
}

void tst_TaskModel::adoptedFutures()
{
    Group group;
    QAbstractItemModel *model = group.taskModel();
    check(model);
    Gate<int> gate;
    group.spawn(gate.future());
    QPromise<int> done;
    done.start();
    done.addResult(1);
    done.finish();
    group.spawn(done.future()); // finished already: spawned and ended in one step
    QTRY_COMPARE(states(model), QStringLiteral("running succeeded"));
    gate.open(2);
    QTRY_COMPARE(states(model), QStringLiteral("succeeded succeeded"));
}

void tst_TaskModel::progressAndText()
{
    QThreadPool threads;
    Group group;
    QAbstractItemModel *model = group.taskModel();
    check(model);
    QSemaphore halfway, finish;
    group.spawn(&threads, [&](QPromise<int> &promise) {
        promise.setProgressRange(0, 10);
        promise.setProgressValueAndText(5, QStringLiteral("half of it"));
        halfway.release();
        finish.acquire();
        promise.setProgressValue(10);
        promise.addResult(1);
    });
    QVERIFY(halfway.tryAcquire(1, Patience));
    // The timer reads the future's progress while the task runs.
    QTRY_COMPARE(value(model, 0, "progress").toDouble(), 0.5);
    QCOMPARE(value(model, 0, "text").toString(), QStringLiteral("half of it"));
    QCOMPARE(model->data(model->index(0, 2)).toString(), QStringLiteral("50 %"));
    finish.release();
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(model), QStringLiteral("succeeded"));
    QCOMPARE(value(model, 0, "progress").toDouble(), 1.0);

    // A queued future job: its progress is that of the future the work made, not the caller's.
    QPromise<int> work;
    group.setMaxConcurrency(1);
    Gates gates;
    group.spawn([&] { return gates.make(); });
    group.spawn([&] { return work.future(); });
    work.start();
    work.setProgressRange(0, 4);
    work.setProgressValue(1);
    gates.open(0);
    QTRY_COMPARE(states(model), QStringLiteral("succeeded running"));
    QTRY_COMPARE(value(model, 1, "progress").toDouble(), 0.25);
    work.addResult(1);
    work.finish();
    QVERIFY(group.join(QDeadlineTimer(Patience)));
}

void tst_TaskModel::elapsedGrowsWhileRunning()
{
    Group group;
    QAbstractItemModel *model = group.taskModel();
    check(model);
    Gates gates;
    group.spawn([&] { return gates.make(); });
    QSignalSpy changed(model, &QAbstractItemModel::dataChanged);
    // Views hear of it without any task event: the timer tells them.
    const auto told = [&] {
        for (const QList<QVariant> &signal : changed) {
            if (signal.at(2).value<QList<int>>().contains(role(model, "elapsed")))
                return true;
        }
        return false;
    };
    QTRY_VERIFY(told());
    QTRY_VERIFY(value(model, 0, "elapsed").toLongLong() >= 60);
    gates.open(0);
    QTRY_COMPARE(states(model), QStringLiteral("succeeded"));
    const qint64 frozen = value(model, 0, "elapsed").toLongLong();
    QVERIFY(frozen >= 60);
    QTest::qWait(30); // checks that something does not happen: the clock stopped
    QCOMPARE(value(model, 0, "elapsed").toLongLong(), frozen);
}

void tst_TaskModel::madeMidRound()
{
    Group group;
    group.setMaxConcurrency(2);
    group.setLimitPerKey(1);
    Gates gates;
    group.spawn(Key(QStringLiteral("a")), [&] { return gates.make(); });
    group.spawn(Key(QStringLiteral("a")), [&] { return gates.make(); }); // held back by its key
    group.spawn([&] { return gates.make(); });
    group.post([&] { return gates.make(); }); // queued: two run
    QAbstractItemModel *model = group.taskModel();
    check(model);
    // At once: the running ones, then those waiting.
    QCOMPARE(model->rowCount(), 4);
    QCOMPARE(states(model), QStringLiteral("running running queued queued"));
    // The waiting ones: a's second (held back by its key), then the queue.
    QCOMPARE(column(model, "key"), QStringLiteral("a  a "));
    gates.open(0);
    QTRY_COMPARE(states(model), QStringLiteral("succeeded running running queued"));
    gates.open(1);
    QTRY_COMPARE(gates.count(), 4);
    gates.open(2);
    gates.open(3);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(model), QStringLiteral("succeeded succeeded succeeded succeeded"));
}

void tst_TaskModel::standInsForPostedWork()
{
    GatedPool threads(2);
    Group group;
    std::atomic<int> running = 0;
    group.post(threads.pool(), [&] {
        ++running;
        threads.wait();
    });
    group.post(threads.pool(), [&] {
        ++running;
        threads.wait();
    });
    QTRY_COMPARE(running.load(), 2);
    QAbstractItemModel *model = group.taskModel();
    check(model);
    // Nothing tells these two apart: rows stand in for them, and end as they do.
    QCOMPARE(states(model), QStringLiteral("running running"));
    group.post([] {});
    QTRY_COMPARE(states(model), QStringLiteral("running running succeeded"));
    threads.open();
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(model), QStringLiteral("succeeded succeeded succeeded"));
}

void tst_TaskModel::endedRowsStayUntilNextRound()
{
    Group group;
    QAbstractItemModel *model = group.taskModel();
    check(model);
    group.spawn([] { return delayed(5, 1); });
    group.spawn([] { return delayed(5, 2); });
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(model), QStringLiteral("succeeded succeeded"));
    settle();
    QCOMPARE(model->rowCount(), 2); // the round ended: its rows stay
    Gates gates;
    group.spawn(Key(QStringLiteral("next")), [&] { return gates.make(); });
    // The next round begins: the last one's rows go.
    QTRY_COMPARE(column(model, "key"), QStringLiteral("next"));
    gates.open(0);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
}

void tst_TaskModel::limitDropsOldestEnded()
{
    Group group;
    group.setTaskModelLimit(3);
    QAbstractItemModel *model = group.taskModel();
    check(model);
    Gates gates;
    group.spawn(Key(QStringLiteral("long")), [&] { return gates.make(); });
    for (int i = 0; i < 6; ++i)
        group.spawn(Key(QStringLiteral("t%1").arg(i)), [&] { return gates.make(); });
    QTRY_COMPARE(model->rowCount(), 7);
    // Ended in the order t5, t1, t3, t0: the oldest ended (t5) goes first; rows stay in spawn
    // order.
    for (int i : { 6, 2, 4, 1 }) {
        gates.open(i);
        QTRY_COMPARE(group.finishedCount(), i == 6 ? 1 : i == 2 ? 2 : i == 4 ? 3 : 4);
    }
    QTRY_COMPARE(column(model, "key"), QStringLiteral("long t0 t1 t2 t3 t4"));
    QCOMPARE(states(model),
             QStringLiteral("running succeeded succeeded running succeeded running"));
    // A lower limit applies now: the most recently ended (t0) stays.
    group.setTaskModelLimit(1);
    QTRY_COMPARE(column(model, "key"), QStringLiteral("long t0 t2 t4"));
    // 0 keeps them all.
    group.setTaskModelLimit(0);
    gates.open(5);
    gates.open(0);
    gates.open(3);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(model), QStringLiteral("succeeded succeeded succeeded succeeded"));
    QCOMPARE(column(model, "key"), QStringLiteral("long t0 t2 t4"));
}

void tst_TaskModel::limitSetting()
{
    Group group;
    QCOMPARE(group.taskModelLimit(), 1000);
    QSignalSpy changed(&group, &Group::taskModelLimitChanged);
    group.setTaskModelLimit(5);
    QCOMPARE(group.taskModelLimit(), 5);
    group.setTaskModelLimit(5);
    QCOMPARE(changed.count(), 1);
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Group::setTaskModelLimit: taskModelLimit -2 is negative; "
                         "using 0 (none)");
    group.setTaskModelLimit(-2);
    QCOMPARE(group.taskModelLimit(), 0);
    QCOMPARE(group.property("taskModelLimit").toInt(), 0);
}

void tst_TaskModel::cancelRow()
{
    Group group;
    group.setMaxConcurrency(1);
    QAbstractItemModel *model = group.taskModel();
    check(model);
    Gates gates;
    QFuture<int> first = group.spawn([&] { return gates.make(); });
    QFuture<int> second = group.spawn([&] { return gates.make(); });
    group.post([&] { return gates.make(); });
    QTRY_COMPARE(states(model), QStringLiteral("running queued queued"));
    group.setPaused(true); // nothing queued starts: the canceled rows must show it anyway

    QVERIFY(cancelAt(model, 1)); // queued: never starts, and its row says so now
    QCOMPARE(states(model), QStringLiteral("running canceled queued"));
    QVERIFY(second.isCanceled());
    QVERIFY(cancelAt(model, 2)); // posted and queued: no future, dropped all the same
    QCOMPARE(states(model), QStringLiteral("running canceled canceled"));
    QCOMPARE(group.queuedCount(), 0);

    QVERIFY(cancelAt(model, 0)); // running: canceled through its future
    QVERIFY(first.isCanceled());
    // It ends (as canceled) once its work stops.
    gates.open(0);
    QTRY_COMPARE(states(model), QStringLiteral("canceled canceled canceled"));
    QVERIFY(!cancelAt(model, 0)); // ended
    QVERIFY(!cancelAt(model, 7)); // no such row
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(gates.count(), 1); // the others never started
    QCOMPARE(group.finishedCount(), 3);
    QCOMPARE(group.failedCount(), 0);
}

void tst_TaskModel::cancelParkedAndReadyRows()
{
    Group group;
    group.setLimitPerKey(1);
    QAbstractItemModel *model = group.taskModel();
    check(model);
    Gates gates;
    QStringList started;
    const Key a(QStringLiteral("a"));
    const auto task = [&](const QString &name) {
        return [&, name] {
            started << name;
            return gates.make();
        };
    };
    group.spawn(a, task(QStringLiteral("a0")));
    group.spawn(a, task(QStringLiteral("a1"))); // in the queue, then held back by its key
    group.spawn(a, task(QStringLiteral("a2")));
    group.spawn(a, task(QStringLiteral("a3")));
    QTRY_COMPARE(states(model), QStringLiteral("running queued queued queued"));
    QVERIFY(cancelAt(model, 2)); // a2
    QCOMPARE(states(model), QStringLiteral("running queued canceled queued"));
    gates.open(0);
    QTRY_COMPARE(started.join(QLatin1Char(' ')), QStringLiteral("a0 a1"));
    QVERIFY(cancelAt(model, 3)); // a3, held back by its key now
    QTRY_COMPARE(states(model), QStringLiteral("succeeded running canceled canceled"));
    gates.open(1);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(started.join(QLatin1Char(' ')), QStringLiteral("a0 a1"));
    QCOMPARE(group.finishedCount(), 4);

    // A key's job in `ready`: its key let it go, and the pause holds it there.
    started.clear();
    group.spawn(a, task(QStringLiteral("b0")));
    group.spawn(a, task(QStringLiteral("b1")));
    group.spawn(a, task(QStringLiteral("b2")));
    QTRY_COMPARE(states(model), QStringLiteral("running queued queued"));
    group.setPaused(true);
    gates.open(gates.count() - 1);
    QTRY_COMPARE(states(model), QStringLiteral("succeeded queued queued"));
    QVERIFY(cancelAt(model, 1));
    QCOMPARE(states(model), QStringLiteral("succeeded canceled queued"));
    group.setPaused(false);
    QTRY_COMPARE(started.join(QLatin1Char(' ')), QStringLiteral("b0 b2"));
    gates.open(gates.count() - 1);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(model), QStringLiteral("succeeded canceled succeeded"));
    QCOMPARE(group.failedCount(), 0);
}

void tst_TaskModel::cancelRowOfPostedWorkIsRefused()
{
    GatedPool threads(1);
    Group group;
    QAbstractItemModel *model = group.taskModel();
    check(model);
    std::atomic<bool> began = false;
    group.post(threads.pool(), [&] {
        began = true;
        threads.wait();
    });
    QTRY_VERIFY(began.load());
    // A posted thread-pool callable has no future to cancel, and cannot be stopped.
    QVERIFY(!cancelAt(model, 0));
    threads.open();
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(model), QStringLiteral("succeeded"));
}

void tst_TaskModel::bagsAndPools()
{
    Pool pool(2);
    QAbstractItemModel *poolModel = pool.taskModel();
    check(poolModel);
    for (int i = 0; i < 5; ++i)
        pool.spawn([i] { return delayed(5, i); });
    QTRY_COMPARE(states(poolModel), QStringLiteral("running running queued queued queued"));
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(poolModel),
                 QStringLiteral("succeeded succeeded succeeded succeeded succeeded"));

    OrderedBag bag;
    bag.setBufferLimit(1);
    QAbstractItemModel *model = bag.taskModel();
    check(model);
    bag.spawn([] { return delayed(5, 1); });
    bag.spawn([] { return delayed(5, 2); });
    // The buffer holds the second back until the first result is taken.
    QTRY_COMPARE(states(model), QStringLiteral("running queued"));
    QCOMPARE(bag.next(QDeadlineTimer(Patience)), QVariant(1));
    QCOMPARE(bag.next(QDeadlineTimer(Patience)), QVariant(2));
    QTRY_COMPARE(states(model), QStringLiteral("succeeded succeeded"));
}

void tst_TaskModel::manyTasksOnThreads()
{
    // Tasks starting and ending on four threads while the model follows; the tester checks
    // every signal, and the counts agree at the end. (1000 tasks: the tester's checks make each
    // cost about a millisecond, 5 under the sanitizers; 2000 came near join()'s deadline on a
    // loaded machine.)
    QThreadPool threads;
    threads.setMaxThreadCount(4);
    Pool pool(4);
    pool.setTaskModelLimit(50);
    QAbstractItemModel *model = pool.taskModel();
    check(model);
    for (int i = 0; i < 1000; ++i) {
        const Key key(QStringLiteral("k%1").arg(i % 7));
        if (i % 3 == 0)
            pool.post(key, &threads, [] {});
        else if (i % 3 == 1)
            pool.spawn(&threads, [i]() -> int {
                if (i % 10 == 1)
                    throw std::runtime_error("odd");
                return i;
            });
        else
            pool.spawn(key, [] { return delayed(0, 1); });
    }
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, pool.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(model->rowCount(), 50);
    for (int row = 0; row < model->rowCount(); ++row) {
        const QString state = value(model, row, "state").toString();
        QVERIFY2(state == QLatin1String("succeeded") || state == QLatin1String("failed"),
                 qPrintable(state));
        if (state == QLatin1String("failed"))
            QCOMPARE(value(model, row, "error").toString(), QStringLiteral("odd"));
    }
    QCOMPARE(pool.finishedCount(), 1000);
}

void tst_TaskModel::deletedByHand()
{
    Group group;
    QAbstractItemModel *model = group.taskModel();
    Gates gates;
    group.spawn([&] { return gates.make(); });
    delete model; // the group stops recording for it
    group.spawn([&] { return gates.make(); });
    gates.open(0);
    QTRY_COMPARE(group.runningCount(), 1);
    QAbstractItemModel *again = group.taskModel();
    QVERIFY(again);
    check(again);
    QCOMPARE(states(again), QStringLiteral("running"));
    gates.open(1);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QTRY_COMPARE(states(again), QStringLiteral("succeeded"));
}

void tst_TaskModel::onlyOnTheGroupsThread()
{
    Group group;
    QAbstractItemModel *model = reinterpret_cast<QAbstractItemModel *>(1);
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Group::taskModel: call it on the group's thread; returning "
                         "null");
    Threads other;
    other.start([&] { model = group.taskModel(); });
    other.joinAll();
    QCOMPARE(model, nullptr);
    QVERIFY(group.taskModel()); // on this thread it is made
}

QTEST_GUILESS_MAIN(tst_TaskModel)
#include "tst_taskmodel.moc"
