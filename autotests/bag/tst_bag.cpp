// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/Bag>

#include "gate.h"
#include "readyfuture.h"
#include "testutil.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qpointer.h>
#include <QtCore/qrandom.h>
#include <QtCore/qscopeguard.h>
#include <QtCore/qsemaphore.h>
#include <QtCore/qset.h>
#include <QtCore/qthread.h>
#include <QtCore/qthreadpool.h>
#include <QtCore/qtimer.h>
#include <QtTest/qabstractitemmodeltester.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

using AioUtils::Bag;
using AioUtils::Group;
using TestUtil::delayed;
using TestUtil::Gate;
using TestUtil::sortedInts;

namespace {

// How a test's tasks are made.
enum class Kind {
    Future,     // a callable returning QFuture<T>: runs on the bag's thread, ends with its future
    ThreadPool, // a callable returning T (or void): runs on a thread pool
    Ready,      // a callable returning a future that is finished already
};

const char nextInsideTaskWarning[] = "AioUtils::Bag::next: called from inside one of the bag's own "
                                     "tasks, which would wait for itself; returning no result";
const char joinInsideTaskWarning[] = "AioUtils::Group::join: called from inside one of the "
                                     "group's own tasks, which would wait for itself; returning "
                                     "false";

// Counts its live instances, and the most there were at once. Not trivially copyable, so a
// QVariant holds it on the heap, shared: copying the QVariant copies no Counted.
struct Counted
{
    static inline std::atomic<int> alive { 0 };
    static inline std::atomic<int> peak { 0 };

    Counted() { up(); }
    Counted(const Counted &) { up(); }
    Counted(Counted &&) noexcept { up(); }
    Counted &operator=(const Counted &) = default;
    Counted &operator=(Counted &&) noexcept = default;
    ~Counted() { --alive; }

    static void up()
    {
        const int now = ++alive;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) { }
    }
};

} // namespace

Q_DECLARE_METATYPE(Kind)

class tst_Bag : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void resultsAsSet();
    void spawnedResultsAreHeldOnce();
    void putFromVoidTasks_data();
    void putFromVoidTasks();
    void seedNestedWithPut();
    void voidTaskYieldsNothing_data();
    void voidTaskYieldsNothing();
    void breakCancelsTheRest_data();
    void breakCancelsTheRest();
    void exceptionInLoopBodyCancelsTheRest();
    void failureSurfacesAfterAllResults();
    void deepFailureSurfacesAtEnd_data();
    void deepFailureSurfacesAtEnd();
    void poolSizeTwo();
    void futureWithManyResults();
    void bagsInFourThreads();
    void resultReadyOncePerResultOnBagThread();
    void finishedAfterLastResultReady();
    void nextTimesOut();
    void nextKeepsFailureWhenNextRoundFollows();
    void nextWaitsOnWhenAnotherConsumerTakesFirst();
    void nextOnIdleEmptyBag();
    void nextInsideDrainSeesRoundEnd();
    void takeAllNeverBlocks();
    void putFromAnotherThread();
    void backpressure_data();
    void backpressure();
    void liftingBufferLimitStartsQueued();
    void model();
    void nextOrJoinInsideTaskRefuses();
    void pullFromAnotherThreadRefuses();
    void unusedRangeCancelsNothing();
    void negativeBufferLimitWarns();
    void negativePoolSizeWarns();
    void joinInsideResultReadyReturns();
    void destroyFromBufferedCountChanged();
    void destroyWhileNextWaits();
    void destroyFromResultReadySlot();
};

void tst_Bag::init()
{
    // The global pool has only as many threads as cores; tests that need more use their own.
    QThreadPool::globalInstance()->waitForDone();
}

// Python test_yielding: 7 results, as a set.
void tst_Bag::spawnedResultsAreHeldOnce()
{
    // spawn() hands out a future holding the value too; dropped, that copy goes with the job,
    // which the bag's thread frees as it handles the reports of the tasks' ends (or the pool
    // thread, past 256 not yet freed): the bag's copy is then the only one.
    QThreadPool pool;
    pool.setMaxThreadCount(1);
    QSemaphore gate;
    const auto openGate = qScopeGuard([&gate] { gate.release(); });
    constexpr int count = 500;
    {
        Bag bag;
        // Holds the one thread while every task queues in the pool's feed behind it, so that
        // they run back to back.
        bag.spawn(&pool, [&gate] { gate.acquire(); });
        for (int i = 0; i < count; ++i)
            bag.spawn(&pool, [] { return Counted(); });
        const int before = Counted::alive;
        Counted::peak = before;
        gate.release();
        // The bag's thread stays out of its event loop while they run: the jobs wait for it, each
        // with its future's copy, until 256 wait; the pool thread frees those.
        QVERIFY(pool.waitForDone(TestUtil::Patience));
        QVERIFY2(Counted::alive - before <= count + 255,
                 qPrintable(QStringLiteral("%1 held for %2 results")
                                    .arg(Counted::alive - before)
                                    .arg(count)));
        QVERIFY(bag.join(QDeadlineTimer(TestUtil::Patience)));
        QCOMPARE(bag.bufferedCount(), count);
        QCOMPARE(Counted::alive - before, count);
        // At most 255 jobs waiting, and a few more while a task runs: the value returned, the one
        // in the future, the bag's.
        QVERIFY2(Counted::peak - before <= count + 255 + 3,
                 qPrintable(QStringLiteral("peak %1 for %2 results")
                                    .arg(Counted::peak - before)
                                    .arg(count)));
    }
    // A pool thread may still hold the bag's state a moment (the last task's report).
    QVERIFY(pool.waitForDone(TestUtil::Patience));
    QCOMPARE(Counted::alive.load(), 0);
}

void tst_Bag::resultsAsSet()
{
    const QString chars = QStringLiteral("abcdefg");
    Bag bag;
    for (const QChar c : chars) {
        const int ms = QRandomGenerator::global()->bounded(100);
        bag.spawn([c, ms] { return delayed(ms, QString(c)); });
    }
    QElapsedTimer clock;
    clock.start();
    QStringList got;
    for (const QVariant &v : bag.yielding())
        got << v.toString();
    QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(got.size(), chars.size());
    const QSet<QString> gotSet(got.cbegin(), got.cend());
    QCOMPARE(gotSet.size(), chars.size());
    for (const QChar c : chars)
        QVERIFY(gotSet.contains(QString(c)));
    QVERIFY(bag.isIdle());
    QCOMPARE(bag.finishedCount(), 7);
}

void tst_Bag::putFromVoidTasks_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::newRow("future-returning") << Kind::Future;
    QTest::newRow("thread pool") << Kind::ThreadPool;
}

// Python test_bag: tasks return nothing and put() their results instead. Exactly the put values
// come out; a void task that puts nothing gives nothing.
void tst_Bag::putFromVoidTasks()
{
    QFETCH(Kind, kind);
    const QString chars = QStringLiteral("abcdefg");
    Bag bag;
    QPointer<Bag> alive(&bag);
    for (const QChar c : chars) {
        const QString s(c);
        if (kind == Kind::Future) {
            const int ms = QRandomGenerator::global()->bounded(100);
            bag.spawn([alive, s, ms] {
                return delayed(ms).then(QtFuture::Launch::Sync, [alive, s] {
                    if (alive)
                        alive->put(s);
                });
            });
        } else {
            bag.spawn([&bag, s] { bag.put(s); });
        }
    }
    bag.spawn([] { return delayed(5); });
    bag.spawn([] {});

    QStringList got;
    for (const QVariant &v : bag.yielding())
        got << v.toString();
    got.sort();
    QCOMPARE(got.join(QString()), chars);
    QCOMPARE(bag.finishedCount(), chars.size() + 2);
    QCOMPARE(bag.failedCount(), 0);
}

// Python test_yielder: 10 tasks, task i spawns i children of 100 ms each; a put() between the
// spawns. 45 children and the put: 46 results, in about 0.2 s (the critical path).
void tst_Bag::seedNestedWithPut()
{
    Bag bag;
    QPointer<Bag> alive(&bag);
    const auto outer = [alive](int i) {
        return delayed(100).then(QtFuture::Launch::Sync, [alive, i] {
            for (int j = 0; j < i && alive; ++j) {
                // Python: j + random() with j in [0, 10]; ours never a whole number.
                const double value = QRandomGenerator::global()->bounded(11) + 0.5;
                alive->spawn([value] { return delayed(100, value); });
            }
        });
    };
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < 5; ++i)
        bag.spawn(outer, i);
    bag.put(3);
    for (int i = 5; i < 10; ++i)
        bag.spawn(outer, i);

    QList<double> got;
    for (const QVariant &v : bag.yielding())
        got << v.toDouble();
    const qint64 elapsed = clock.elapsed();

    QCOMPARE(got.size(), 46);
    QVERIFY2(elapsed >= 180 && elapsed < 2000, qPrintable(QString::number(elapsed)));
    QVERIFY(*std::min_element(got.cbegin(), got.cend()) > 0);
    QVERIFY(*std::max_element(got.cbegin(), got.cend()) < 11);
    QCOMPARE(got.count(3.0), 1); // the put, the only whole number
    QCOMPARE(bag.spawnedCount(), 55);
    QCOMPARE(bag.finishedCount(), 55);
}

void tst_Bag::voidTaskYieldsNothing_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::newRow("future-returning") << Kind::Future;
    QTest::newRow("thread pool") << Kind::ThreadPool;
    QTest::newRow("ready") << Kind::Ready;
}

// Python test_empty_yielder: a bag whose only task returns nothing yields nothing, and ends.
void tst_Bag::voidTaskYieldsNothing()
{
    QFETCH(Kind, kind);
    Bag bag;
    switch (kind) {
    case Kind::Future:
        bag.spawn([] { return delayed(10); });
        break;
    case Kind::ThreadPool:
        bag.spawn([] {});
        break;
    case Kind::Ready:
        bag.spawn(TestUtil::readyFuture());
        break;
    }
    int iterations = 0;
    for (const QVariant &v : bag.yielding()) {
        Q_UNUSED(v);
        ++iterations;
    }
    QCOMPARE(iterations, 0);
    QVERIFY(bag.isIdle());
    QCOMPARE(bag.spawnedCount(), 1);
    QCOMPARE(bag.finishedCount(), 1);
    QCOMPARE(bag.bufferedCount(), 0);
}

void tst_Bag::breakCancelsTheRest_data()
{
    QTest::addColumn<int>("poolSize");
    QTest::newRow("unlimited") << 0;
    // Tasks 0 and 1 start at once; task 2 starts from the queue when task 0 ends; 3..5 are still
    // queued at the break.
    QTest::newRow("Bag(2)") << 2;
}

// Leaving the loop early closes the generator: the rest is canceled, the bag idle at once.
void tst_Bag::breakCancelsTheRest()
{
    QFETCH(int, poolSize);
    Bag bag(poolSize);
    QList<QFuture<int>> futures;
    futures << bag.spawn([] { return delayed(10, 0); });
    for (int i = 1; i < 6; ++i)
        futures << bag.spawn([i] { return delayed(60000, i); });

    QElapsedTimer clock;
    clock.start();
    QList<int> got;
    for (const QVariant &v : bag.yielding()) {
        got << v.toInt();
        break;
    }
    QVERIFY(bag.isIdle());
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(got, QList<int>({ 0 }));
    QCOMPARE(bag.runningCount(), 0);
    QCOMPARE(bag.queuedCount(), 0);
    QCOMPARE(bag.finishedCount(), 6);
    QList<int> notCanceled;
    for (int i = 1; i < 6; ++i) {
        if (!futures.at(i).isCanceled())
            notCanceled << i;
    }
    QString notCanceledText;
    for (int i : std::as_const(notCanceled))
        notCanceledText += QStringLiteral(" %1").arg(i);
    QVERIFY2(notCanceled.isEmpty(), qPrintable(QStringLiteral("not canceled:") + notCanceledText));
    QVERIFY(bag.join(QDeadlineTimer(0)));
}

// An exception out of the loop body closes the generator too.
void tst_Bag::exceptionInLoopBodyCancelsTheRest()
{
    Bag bag;
    QList<QFuture<int>> futures;
    futures << bag.spawn([] { return delayed(10, 0); });
    for (int i = 1; i < 4; ++i)
        futures << bag.spawn([i] { return delayed(60000, i); });
    bool caught = false;
    try {
        for (const QVariant &v : bag.yielding()) {
            if (v.toInt() == 0)
                throw std::runtime_error("consumer gave up");
        }
    } catch (const std::runtime_error &) {
        caught = true;
    }
    QVERIFY(caught);
    QVERIFY(bag.isIdle());
    for (int i = 1; i < 4; ++i)
        QVERIFY(futures.at(i).isCanceled());
}

// A failing task among 14 in a Bag(3): the 13 other results come out first, then the loop
// throws. The failure is rethrown once only.
void tst_Bag::failureSurfacesAfterAllResults()
{
    Bag bag(3);
    QSignalSpy failed(&bag, &Group::taskFailed);
    for (int i = 0; i < 14; ++i) {
        if (i == 4)
            bag.spawn([] { return TestUtil::failingAfter(10, "task 4 failed"); });
        else
            bag.spawn([i] { return delayed(5 + (i * 7) % 20, i); });
    }
    QList<int> got;
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, {
        for (const QVariant &v : bag.yielding())
            got << v.toInt();
    });
    std::sort(got.begin(), got.end());
    QList<int> expected = TestUtil::range(14);
    expected.removeOne(4);
    QCOMPARE(got, expected);
    QCOMPARE(bag.failedCount(), 1);
    QCOMPARE(bag.finishedCount(), 14);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toString(), QStringLiteral("task 4 failed"));
    QVERIFY(bag.isIdle());
    // Rethrown once: the next pull is the plain end.
    QVERIFY(!bag.next(QDeadlineTimer(0)));
    QVERIFY(bag.join(QDeadlineTimer(0)));
}

void tst_Bag::deepFailureSurfacesAtEnd_data()
{
    QTest::addColumn<bool>("inGrandchild");
    QTest::newRow("chain of continuations") << false;
    QTest::newRow("task spawned by a task spawned by a task") << true;
}

// A failure deep inside nested futures still fails the task, and surfaces at the end of the
// iteration, after the other results.
void tst_Bag::deepFailureSurfacesAtEnd()
{
    QFETCH(bool, inGrandchild);
    Bag bag;
    QPointer<Bag> alive(&bag);
    const auto failingChain = [] {
        return delayed(10, 1)
                .then(QtFuture::Launch::Sync, [](int v) { return v + 1; })
                .then(QtFuture::Launch::Sync, [](int v) -> int {
                    if (v == 2)
                        throw std::runtime_error("deep failure");
                    return v;
                });
    };
    if (inGrandchild) {
        bag.spawn([alive, failingChain] {
            return delayed(5).then(QtFuture::Launch::Sync, [alive, failingChain] {
                if (!alive)
                    return;
                alive->spawn([alive, failingChain] {
                    return delayed(5).then(QtFuture::Launch::Sync, [alive, failingChain] {
                        if (alive)
                            alive->spawn(failingChain);
                    });
                });
            });
        });
    } else {
        bag.spawn(failingChain);
    }
    bag.spawn([] { return delayed(40, 10); });
    bag.spawn([] { return delayed(60, 20); });

    QList<int> got;
    QString message;
    try {
        for (const QVariant &v : bag.yielding())
            got << v.toInt();
    } catch (const std::runtime_error &e) {
        message = QString::fromUtf8(e.what());
    }
    QCOMPARE(message, QStringLiteral("deep failure"));
    std::sort(got.begin(), got.end());
    QCOMPARE(got, QList<int>({ 10, 20 }));
    QCOMPARE(bag.failedCount(), 1);
}

// Python test_yielder_with_pool_size: a Bag(2) never runs more than 2 tasks at once, and every
// result comes out.
void tst_Bag::poolSizeTwo()
{
    // Shared with the continuations, which may outlive a test that failed early.
    const auto inside = std::make_shared<int>(0);
    const auto maxInside = std::make_shared<int>(0);
    const QString chars = QStringLiteral("abcdefgh");
    Bag bag(2);
    QCOMPARE(bag.maxConcurrency(), 2);
    for (const QChar c : chars) {
        const int ms = 5 + QRandomGenerator::global()->bounded(30);
        bag.spawn([inside, maxInside, c, ms] {
            *maxInside = std::max(*maxInside, ++*inside);
            return delayed(ms, QString(c)).then(QtFuture::Launch::Sync, [inside](QString s) {
                --*inside;
                return s;
            });
        });
    }
    QCOMPARE(bag.runningCount(), 2);
    QCOMPARE(bag.queuedCount(), 6);
    QStringList got;
    for (const QVariant &v : bag.yielding())
        got << v.toString();
    got.sort();
    QCOMPARE(got.join(QString()), chars);
    QCOMPARE(*maxInside, 2);
    QCOMPARE(*inside, 0);
}

// Every result a future holds is one result of the bag, adopted or made by queued work.
void tst_Bag::futureWithManyResults()
{
    const auto manyResults = [](int first) {
        auto promise = std::make_shared<QPromise<int>>();
        promise->start();
        auto *timer = TestUtil::timerOnThisThread(10);
        QObject::connect(timer, &QTimer::timeout, timer, [timer, promise, first] {
            for (int i = first; i < first + 3; ++i)
                promise->addResult(i);
            promise->finish();
            timer->deleteLater();
        });
        timer->start();
        return promise->future();
    };
    Bag bag(1);
    bag.spawn(manyResults(0)); // adopted: running at once, whatever the limit
    bag.spawn([] { return delayed(5, 100); });
    const QFuture<int> queued = bag.spawn([&manyResults] { return manyResults(10); });
    QCOMPARE(bag.queuedCount(), 2);
    QVariantList got;
    for (const QVariant &v : bag.yielding())
        got << v;
    QCOMPARE(sortedInts(got), QList<int>({ 0, 1, 2, 10, 11, 12, 100 }));
    QCOMPARE(queued.results(), QList<int>({ 10, 11, 12 }));
}

// The seed's threading tests: bags made and drained in 4 threads at once, for about a second,
// mixed with plain groups (Python test_mixed). Signals come on each bag's own thread.
void tst_Bag::bagsInFourThreads()
{
    std::atomic<int> rounds { 0 };
    std::atomic<int> errors { 0 };
    QDeadlineTimer until(1000);
    TestUtil::Threads threads;
    for (int t = 0; t < 4; ++t) {
        threads.start([&] {
            int round = 0;
            while (!until.hasExpired()) {
                if (round++ % 3 == 2) {
                    Group group;
                    std::atomic<int> sum { 0 };
                    for (int i = 0; i < 10; ++i) {
                        group.spawn([&sum, i] { sum += i; });
                        group.spawn([i] { return delayed(2, i); });
                    }
                    if (!group.join(QDeadlineTimer(20000)) || sum != 45)
                        ++errors;
                    continue;
                }
                Bag bag;
                int emitted = 0;
                bool wrongThread = false;
                QObject::connect(
                        &bag, &Bag::resultReady, &bag,
                        [&] {
                            ++emitted;
                            if (QThread::currentThread() != bag.thread())
                                wrongThread = true;
                        },
                        Qt::DirectConnection);
                for (int i = 0; i < 20; ++i) {
                    if (i % 2)
                        bag.spawn([i] { return i; });
                    else
                        bag.spawn([i] { return delayed(1 + i % 5, i); });
                }
                int sum = 0;
                int count = 0;
                for (const QVariant &v : bag.yielding()) {
                    sum += v.toInt();
                    ++count;
                }
                if (sum != 190 || count != 20 || emitted != 20 || wrongThread || !bag.isIdle())
                    ++errors;
                ++rounds;
            }
            // The timers of delayed() on this thread were deleteLater()ed; let them go.
            QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        });
    }
    threads.joinAll();
    QCOMPARE(errors.load(), 0);
    QVERIFY(rounds.load() >= 4);
}

// resultReady: once per result, with the value, on the bag's thread, whichever thread the task or
// the put() ran on. Every result is retained too, until taken.
void tst_Bag::resultReadyOncePerResultOnBagThread()
{
    QThreadPool threads;
    threads.setMaxThreadCount(4);
    Bag bag;
    QSignalSpy ready(&bag, &Bag::resultReady);
    int wrongThread = 0;
    connect(
            &bag, &Bag::resultReady, this,
            [&] {
                if (QThread::currentThread() != thread())
                    ++wrongThread;
            },
            Qt::DirectConnection);
    QList<int> expected;
    for (int i = 0; i < 6; ++i) {
        bag.spawn(&threads, [i] { return i * 10; });
        bag.spawn([i] { return delayed(5 * i, i * 10 + 1); });
        expected << i * 10 << i * 10 + 1;
    }
    bag.put(1000);
    TestUtil::Threads putters;
    putters.start([&bag] { bag.put(2000); });
    putters.joinAll();
    expected << 1000 << 2000;
    std::sort(expected.begin(), expected.end());

    QTRY_COMPARE(ready.count(), 14);
    QVERIFY(bag.join(QDeadlineTimer(10000)));
    TestUtil::settle();
    QCOMPARE(ready.count(), 14);
    QVariantList emitted;
    for (const QList<QVariant> &args : std::as_const(ready))
        emitted << args.at(0);
    QCOMPARE(sortedInts(emitted), expected);
    QCOMPARE(wrongThread, 0);
    QCOMPARE(bag.bufferedCount(), 14);
    QCOMPARE(sortedInts(bag.takeAll()), expected);
    QCOMPARE(bag.bufferedCount(), 0);
}

// When finished() is emitted, and when join() returns, every result of the round has been
// emitted: a UI that reacts to finished() must not miss the last resultReady(). Here the last
// task ends on a worker thread while the bag's thread is busy in resultReady() for the first one,
// just before it looks whether the round is over.
void tst_Bag::finishedAfterLastResultReady()
{
    QThreadPool threads;
    threads.setMaxThreadCount(2);
    QSemaphore lastMayEnd;
    Bag bag;
    int emitted = 0;
    int emittedAtFinished = -1;
    bool lastEnded = false;
    connect(&bag, &Bag::resultReady, this, [&](const QVariant &v) {
        ++emitted;
        if (v.toInt() != 0)
            return;
        lastMayEnd.release();
        // Until the worker has reported its end (and its result) to the bag; bounded.
        const QDeadlineTimer until(10000);
        while (bag.runningCount() > 0 && !until.hasExpired())
            std::this_thread::yield();
        lastEnded = bag.runningCount() == 0;
    });
    connect(&bag, &Group::finished, this, [&] { emittedAtFinished = emitted; });
    bag.spawn(&threads, [] { return 0; });
    bag.spawn(&threads, [&lastMayEnd] {
        lastMayEnd.tryAcquire(1, 10000);
        return 1;
    });
    QVERIFY(bag.join(QDeadlineTimer(10000)));
    const int emittedAtJoin = emitted;
    QVERIFY(lastEnded);
    QTRY_COMPARE(emitted, 2); // it does come, later
    QVERIFY2(emittedAtFinished == 2 && emittedAtJoin == 2,
             qPrintable(QStringLiteral("results emitted when finished() came: %1, when join() "
                                       "returned: %2, of 2")
                                .arg(emittedAtFinished)
                                .arg(emittedAtJoin)));
    QCOMPARE(sortedInts(bag.takeAll()), QList<int>({ 0, 1 }));
}

// next(deadline) gives up when the deadline passes with a task still running.
void tst_Bag::nextTimesOut()
{
    Bag bag;
    bag.spawn([] { return delayed(60000, 1); });
    QElapsedTimer clock;
    clock.start();
    QVERIFY(!bag.next(QDeadlineTimer(50)));
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(elapsed >= 45 && elapsed < 5000, qPrintable(QString::number(elapsed)));
    QVERIFY(!bag.isIdle());
    QCOMPARE(bag.runningCount(), 1);
    bag.cancel();
    QVERIFY(bag.isIdle());
    QVERIFY(!bag.next(QDeadlineTimer(0)));
}

// A round ends with a failure and nothing left while next() waits, and a spawn posted behind the
// wake-up that reports the failure begins the next round in the same pass of the event loop.
// next() rethrows the failure of the round it waited for; it used to give std::nullopt at once,
// and the next round cleared the failure.
void tst_Bag::nextKeepsFailureWhenNextRoundFollows()
{
    Bag bag;
    bool again = false;
    QSemaphore go;
    bag.spawn([&go]() -> int {
        go.acquire();
        throw std::runtime_error("boom");
    });
    // Inside next()'s loop.
    QTimer::singleShot(0, &bag, [&bag, &go, &again] {
        go.release();
        TestUtil::postBehindReport(
                &bag, [&bag] { return bag.failedCount() > 0; },
                [&bag, &again] {
                    again = true;
                    bag.spawn([] { return delayed(50, 2); });
                });
    });
    QElapsedTimer clock;
    clock.start();
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, bag.next(QDeadlineTimer(5000)));
    QVERIFY(clock.elapsed() < 4000);
    QTRY_VERIFY(again);
    const std::optional<QVariant> next = bag.next(QDeadlineTimer(5000));
    QVERIFY(next);
    QCOMPARE(next->toInt(), 2);
    QVERIFY(!bag.next(QDeadlineTimer(5000)));
    QVERIFY(bag.isIdle());
}

// Another consumer (a view refreshing from a timer) takes the result next() was woken for, in the
// same pass of the event loop. next(), and so yielding(), waits on for the next result: it used
// to end with std::nullopt while a task still ran.
void tst_Bag::nextWaitsOnWhenAnotherConsumerTakesFirst()
{
    Bag bag;
    QSemaphore first;
    QSemaphore second;
    bag.spawn([&first] {
        first.acquire();
        return 1;
    });
    bag.spawn([&second] {
        second.acquire();
        return 2;
    });
    // Whatever fails below, the tasks end before their semaphores go.
    const auto release = qScopeGuard([&first, &second] {
        first.release();
        second.release();
        QThreadPool::globalInstance()->waitForDone();
    });
    QVariantList taken;
    // Inside next()'s loop.
    QTimer::singleShot(0, &bag, [&bag, &first, &second, &taken] {
        first.release();
        TestUtil::postBehindReport(
                &bag, [&bag] { return bag.bufferedCount() > 0; },
                [&bag, &second, &taken] {
                    taken = bag.takeAll();
                    second.release();
                });
    });
    const std::optional<QVariant> next = bag.next(QDeadlineTimer(10000));
    QCOMPARE(taken, QVariantList({ 1 }));
    QVERIFY(next);
    QCOMPARE(next->toInt(), 2);
    QVERIFY(!bag.next(QDeadlineTimer(10000)));
    QVERIFY(bag.isIdle());
}

// An idle bag with nothing retained has nothing to give: next() says so at once, even without a
// deadline; so it does after the last result of a round.
void tst_Bag::nextOnIdleEmptyBag()
{
    Bag bag;
    QElapsedTimer clock;
    clock.start();
    QVERIFY(!bag.next(QDeadlineTimer(5000)));
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(!bag.next());

    bag.spawn([] { return delayed(5, 1); });
    const std::optional<QVariant> one = bag.next(QDeadlineTimer(10000));
    QVERIFY(one);
    QCOMPARE(one->toInt(), 1);
    clock.restart();
    QVERIFY(!bag.next(QDeadlineTimer(5000)));
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
}

// next() called from a continuation that a drain runs (a nextResult() future's, without a
// context), when that drain handles the last task's end: the round it has not ended yet must end
// in a fresh drain, not at next()'s deadline. (No resultReady slot: next() takes directly.)
void tst_Bag::nextInsideDrainSeesRoundEnd()
{
    Bag bag;
    // The task ends only once the continuation is attached: a result that is there already would
    // run it at once, outside any drain.
    Gate<int> gate;
    bag.spawn(gate.future());
    std::optional<std::optional<QVariant>> inner;
    QElapsedTimer clock;
    auto following = bag.nextResult().then([&](const QVariant &first) {
        QCOMPARE(first.toInt(), 1);
        clock.start();
        inner = bag.next(QDeadlineTimer(20000));
    });
    gate.open(1);
    QTRY_VERIFY_WITH_TIMEOUT(inner.has_value(), 30000);
    QVERIFY(!inner->has_value());
    QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(bag.isIdle());
}

// takeAll() never blocks: it returns what is there, even while tasks run.
void tst_Bag::takeAllNeverBlocks()
{
    Bag bag;
    QVERIFY(bag.takeAll().isEmpty());
    bag.spawn([] { return delayed(60000, 1); });
    bag.spawn(TestUtil::readyFuture(2));
    bag.put(3);
    QElapsedTimer clock;
    clock.start();
    const QVariantList all = bag.takeAll();
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(sortedInts(all), QList<int>({ 2, 3 }));
    QCOMPARE(bag.bufferedCount(), 0);
    QVERIFY(bag.takeAll().isEmpty());
    QVERIFY(!bag.isIdle());
    bag.cancel();
    QVERIFY(bag.takeAll().isEmpty());
}

// put() is thread-safe: from a std::thread, the item reaches a next() waiting on the bag's thread,
// and an idle bag's next() too.
void tst_Bag::putFromAnotherThread()
{
    Bag bag;
    QSignalSpy ready(&bag, &Bag::resultReady);
    bag.spawn([] { return delayed(60000, 0); }); // keeps the round going: next() has to wait
    TestUtil::Threads threads;
    threads.start([&bag] { bag.put(QStringLiteral("x")); });
    const std::optional<QVariant> x = bag.next(QDeadlineTimer(10000));
    QVERIFY(x);
    QCOMPARE(x->toString(), QStringLiteral("x"));
    threads.joinAll();
    bag.cancel();
    QVERIFY(bag.isIdle());

    threads.start([&bag] { bag.put(QStringLiteral("y")); });
    threads.joinAll();
    const std::optional<QVariant> y = bag.next(QDeadlineTimer(10000));
    QVERIFY(y);
    QCOMPARE(y->toString(), QStringLiteral("y"));
    QVERIFY(!bag.next(QDeadlineTimer(1000)));
    QCOMPARE(ready.count(), 2);
}

void tst_Bag::backpressure_data()
{
    QTest::addColumn<Kind>("kind");
    // Each task has ended before the next spawn(): the buffer fills one by one.
    QTest::newRow("ready futures") << Kind::Ready;
    // All ten are spawned before any has ended.
    QTest::newRow("quick delayed futures") << Kind::Future;
    QTest::newRow("quick thread-pool work") << Kind::ThreadPool;
}

// bufferLimit is backpressure: with nobody taking, the buffer holds at most the limit and the
// tasks beyond it wait in the queue; each result taken lets one more start. Nothing is dropped.
void tst_Bag::backpressure()
{
    QFETCH(Kind, kind);
    QThreadPool threads;
    threads.setMaxThreadCount(4);
    Bag bag;
    QSignalSpy limitChanged(&bag, &Bag::bufferLimitChanged);
    bag.setBufferLimit(3);
    QCOMPARE(bag.bufferLimit(), 3);
    QCOMPARE(limitChanged.count(), 1);
    int maxBuffered = 0;
    connect(&bag, &Bag::bufferedCountChanged, this,
            [&] { maxBuffered = std::max(maxBuffered, bag.bufferedCount()); });

    for (int i = 0; i < 10; ++i) {
        switch (kind) {
        case Kind::Ready:
            bag.spawn([i] { return TestUtil::readyFuture(i); });
            break;
        case Kind::Future:
            bag.spawn([i] { return delayed(1, i); });
            break;
        case Kind::ThreadPool:
            bag.spawn(&threads, [i] { return i; });
            break;
        }
    }
    QTRY_COMPARE(bag.queuedCount(), 7);
    QTRY_COMPARE(bag.bufferedCount(), 3);
    QTRY_COMPARE(bag.runningCount(), 0);
    TestUtil::settle();
    QCOMPARE(bag.queuedCount(), 7);
    QCOMPARE(bag.bufferedCount(), 3);
    QVERIFY2(maxBuffered <= 3, qPrintable(QString::number(maxBuffered)));

    QList<int> got;
    for (int taken = 1; taken <= 7; ++taken) {
        const std::optional<QVariant> v = bag.next(QDeadlineTimer(10000));
        QVERIFY(v);
        got << v->toInt();
        QTRY_COMPARE(bag.queuedCount(), 7 - taken);
        QTRY_COMPARE(bag.bufferedCount(), 3);
    }
    for (const QVariant &v : bag.yielding())
        got << v.toInt();
    std::sort(got.begin(), got.end());
    QCOMPARE(got, TestUtil::range(10));
    QVERIFY2(maxBuffered <= 3, qPrintable(QString::number(maxBuffered)));
    QCOMPARE(bag.bufferedCount(), 0);
}

// Lifting the limit starts what it held back, at once.
void tst_Bag::liftingBufferLimitStartsQueued()
{
    Bag bag;
    bag.setBufferLimit(2);
    for (int i = 0; i < 6; ++i)
        bag.spawn([i] { return TestUtil::readyFuture(i); });
    QCOMPARE(bag.queuedCount(), 4);
    QSignalSpy limitChanged(&bag, &Bag::bufferLimitChanged);
    bag.setBufferLimit(2); // unchanged: no signal
    QCOMPARE(limitChanged.count(), 0);
    bag.setBufferLimit(0);
    QCOMPARE(limitChanged.count(), 1);
    QCOMPARE(bag.queuedCount(), 0);
    QCOMPARE(bag.bufferedCount(), 6);
    QVariantList got;
    for (const QVariant &v : bag.yielding())
        got << v;
    QCOMPARE(sortedInts(got), TestUtil::range(6));
}

// model(): a list model of the retained results, role "result". Rows appear as results are
// delivered and go as they are taken.
void tst_Bag::model()
{
    Bag bag;
    QAbstractItemModel *model = bag.model();
    QVERIFY(model);
    QCOMPARE(bag.model(), model);
    QCOMPARE(bag.property("model").value<QAbstractItemModel *>(), model);
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(model, &QAbstractItemModel::rowsRemoved);
    const int role = model->roleNames().key("result", -1);
    QVERIFY(role != -1);
    QCOMPARE(model->rowCount(), 0);

    Gate<QString> a;
    Gate<QString> b;
    bag.spawn([f = a.future()] { return f; });
    bag.spawn([f = b.future()] { return f; });
    TestUtil::settle();
    QCOMPARE(model->rowCount(), 0);

    a.open(QStringLiteral("a"));
    QTRY_COMPARE(model->rowCount(), 1);
    QCOMPARE(model->data(model->index(0, 0), role).toString(), QStringLiteral("a"));
    QCOMPARE(inserted.count(), 1);
    b.open(QStringLiteral("b"));
    QTRY_COMPARE(model->rowCount(), 2);
    QCOMPARE(model->data(model->index(1, 0), role).toString(), QStringLiteral("b"));
    bag.put(QStringLiteral("c"));
    QTRY_COMPARE(model->rowCount(), 3);
    QCOMPARE(model->data(model->index(2, 0), role).toString(), QStringLiteral("c"));
    QCOMPARE(inserted.count(), 3);
    QCOMPARE(bag.bufferedCount(), 3);

    const std::optional<QVariant> first = bag.next(QDeadlineTimer(5000));
    QVERIFY(first);
    QCOMPARE(first->toString(), QStringLiteral("a"));
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(model->data(model->index(0, 0), role).toString(), QStringLiteral("b"));

    const QVariantList rest = bag.takeAll();
    QCOMPARE(rest, QVariantList({ QStringLiteral("b"), QStringLiteral("c") }));
    QCOMPARE(model->rowCount(), 0);
    QCOMPARE(removed.count(), 2);
    QCOMPARE(removed.at(1).at(1).toInt(), 0);
    QCOMPARE(removed.at(1).at(2).toInt(), 1);
    QVERIFY(bag.join(QDeadlineTimer(5000)));
}

// next() or join() from inside one of the bag's own tasks would wait for itself: it warns and
// returns at once, on a worker thread and on the bag's thread alike.
void tst_Bag::nextOrJoinInsideTaskRefuses()
{
    Bag bag;
    QTest::ignoreMessage(QtWarningMsg, nextInsideTaskWarning);
    QTest::ignoreMessage(QtWarningMsg, joinInsideTaskWarning);
    QTest::ignoreMessage(QtWarningMsg, nextInsideTaskWarning);
    QTest::ignoreMessage(QtWarningMsg, joinInsideTaskWarning);
    std::atomic<int> workerNext { -1 };
    std::atomic<int> workerJoin { -1 };
    int groupThreadNext = -1;
    int groupThreadJoin = -1;
    bag.spawn([&] {
        workerNext = bag.next().has_value() ? 1 : 0;
        workerJoin = bag.join() ? 1 : 0;
    });
    bag.spawn([&] {
        groupThreadNext = bag.next().has_value() ? 1 : 0;
        groupThreadJoin = bag.join() ? 1 : 0;
        return delayed(5, 7);
    });
    QElapsedTimer clock;
    clock.start();
    QVariantList got;
    for (const QVariant &v : bag.yielding())
        got << v;
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(sortedInts(got), QList<int>({ 7 }));
    QCOMPARE(workerNext.load(), 0);
    QCOMPARE(workerJoin.load(), 0);
    QCOMPARE(groupThreadNext, 0);
    QCOMPARE(groupThreadJoin, 0);
}

// next() and takeAll() are for the bag's thread; from another they warn and give nothing, and
// the results stay for the bag's thread.
void tst_Bag::pullFromAnotherThreadRefuses()
{
    Bag bag;
    bag.put(1);
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Bag::next: called from another thread than the bag's; "
                         "returning no result");
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Bag::takeAll: called from another thread than the bag's; "
                         "returning no results");
    std::atomic<int> gotNext { -1 };
    std::atomic<int> gotAll { -1 };
    TestUtil::Threads threads;
    threads.start([&] {
        gotNext = bag.next(QDeadlineTimer(1000)).has_value() ? 1 : 0;
        gotAll = int(bag.takeAll().size());
    });
    threads.joinAll();
    QCOMPARE(gotNext.load(), 0);
    QCOMPARE(gotAll.load(), 0);
    const std::optional<QVariant> one = bag.next(QDeadlineTimer(1000));
    QVERIFY(one);
    QCOMPARE(one->toInt(), 1);
}

// A yielding() range that is never iterated is no loop left early: it cancels nothing.
void tst_Bag::unusedRangeCancelsNothing()
{
    Bag bag;
    const QFuture<int> task = bag.spawn([] { return delayed(20, 1); });
    {
        AioUtils::Yielding unused = bag.yielding();
        AioUtils::Yielding moved(std::move(unused));
        Q_UNUSED(moved);
    }
    QVERIFY(!bag.isIdle());
    QVERIFY(!task.isCanceled());
    QVariantList got;
    for (const QVariant &v : bag.yielding())
        got << v;
    QCOMPARE(got, QVariantList({ 1 }));
}

void tst_Bag::negativeBufferLimitWarns()
{
    Bag bag;
    QSignalSpy changed(&bag, &Bag::bufferLimitChanged);
    bag.setBufferLimit(5);
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Bag::setBufferLimit: -1 is negative; using 0 (unlimited)");
    bag.setBufferLimit(-1);
    QCOMPARE(bag.bufferLimit(), 0);
    QCOMPARE(bag.property("bufferLimit").toInt(), 0);
    QCOMPARE(changed.count(), 2);
}

void tst_Bag::negativePoolSizeWarns()
{
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Bag: pool size -2 is negative; using 0 (unlimited)");
    Bag bag(-2);
    QCOMPARE(bag.maxConcurrency(), 0);
    for (int i = 0; i < 5; ++i)
        bag.spawn([i] { return delayed(10, i); });
    QCOMPARE(bag.runningCount(), 5);
    QCOMPARE(bag.queuedCount(), 0);
    QVariantList got;
    for (const QVariant &v : bag.yielding())
        got << v;
    QCOMPARE(sortedInts(got), TestUtil::range(5));
}

// Destroying the bag while next() waits on it (a timer, a window closing) ends the wait; next()
// returns nothing and touches nothing of the dead bag.
void tst_Bag::destroyWhileNextWaits()
{
    auto *bag = new Bag;
    QPointer<Bag> watch(bag);
    bag->spawn([] { return delayed(60000, 1); });
    QObject context;
    QTimer::singleShot(20, &context, [&bag] {
        delete bag;
        bag = nullptr;
    });
    QElapsedTimer clock;
    clock.start();
    const std::optional<QVariant> result = bag->next(QDeadlineTimer(10000));
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(!watch);
    QVERIFY(!result);
}

// Deleting the bag from a slot connected to resultReady (got what was needed) is safe: the rest
// is canceled and nothing of the dead bag is touched.
void tst_Bag::destroyFromResultReadySlot()
{
    auto *bag = new Bag;
    QPointer<Bag> watch(bag);
    QObject context;
    int received = 0;
    connect(bag, &Bag::resultReady, &context, [&] {
        ++received;
        delete bag;
        bag = nullptr;
    });
    const QFuture<int> slow = bag->spawn([] { return delayed(60000, 2); });
    bag->spawn([] { return delayed(5, 1); });
    QTRY_VERIFY(!watch);
    TestUtil::settle();
    QCOMPARE(received, 1);
    QVERIFY(slow.isCanceled());
}

// The drain that emits the last result has not ended the round yet when the slot joins: the
// join must still see the round end, not wait for a wake-up nobody posts.
void tst_Bag::joinInsideResultReadyReturns()
{
    Bag bag;
    std::optional<bool> joinedInSlot;
    connect(&bag, &Bag::resultReady, this, [&] { joinedInSlot = bag.join(QDeadlineTimer(10000)); });
    bag.spawn([] { return 7; });
    QVERIFY(bag.join(QDeadlineTimer(20000)));
    QVERIFY(joinedInSlot.has_value());
    QCOMPARE(*joinedInSlot, true);
}

void tst_Bag::destroyFromBufferedCountChanged()
{
    QPointer<Bag> bag = new Bag;
    connect(bag.data(), &Bag::bufferedCountChanged, this, [&] {
        if (bag && bag->bufferedCount() > 0)
            delete bag.data();
    });
    bag->spawn([] { return 1; });
    QTRY_VERIFY_WITH_TIMEOUT(!bag, 10000);
}

QTEST_GUILESS_MAIN(tst_Bag)
#include "tst_bag.moc"
