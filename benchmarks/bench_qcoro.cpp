// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// A join of N coroutine tasks with QCoro against the same work spawned into a Group, and a Bag's
// results taken by a coroutine (AioUtils::Coro: QCORO_FOREACH over results()) against
// yielding(), side by side in one process. Prints, per workload, the median of several repetitions:
// QCoro, ours, and ours/QCoro. QCoro is a dependency of this benchmark only, never of the library.
//
// QCoro 0.8 awaits a QFuture with a QFutureWatcher, not with QFuture::then(), so it does not hit
// the Qt 6.4.2 then() race (a continuation run twice on a moved-from QPromise) that bench_engine
// works around.
//
//   bench_qcoro [--scale F] [--reps N] [--runs N] [--only timers|computations|joined|results]
//   (--scale 0.01 for a smoke run; --only SECTION,... runs those rows alone, for a profiler)

#include "benchutil.h"

#include <AioUtils/Bag>
#include <AioUtils/Coro>
#include <AioUtils/Delay>
#include <AioUtils/Group>

#include <QCoroFuture>
#include <QCoroTask>
#include <QCoroTimer>

#include <QtConcurrent/qtconcurrentrun.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qfuture.h>
#include <QtCore/qpromise.h>
#include <QtCore/qthreadpool.h>
#include <QtCore/qtimer.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

using namespace std::chrono_literals;

namespace {

// About a microsecond of arithmetic the optimizer cannot drop: the result is awaited and summed.
int compute(int i)
{
    quint32 h = quint32(i);
    for (int k = 0; k < 1000; ++k)
        h = (h * 2654435761u + 0x9e3779b9u) ^ (h >> 13);
    return int(h & 0xffff);
}

// What a QCoro user writes: one coroutine per piece of work...
QCoro::Task<int> sleepTask(int i)
{
    co_await QCoro::sleepFor(1ms);
    co_return i;
}

QCoro::Task<int> computeTask(int i)
{
    co_return co_await QtConcurrent::run(compute, i);
}

// ...and, QCoro having no when_all, a coroutine that awaits them one after the other.
QCoro::Task<qint64> joinTasks(const std::vector<QCoro::Task<int>> &tasks)
{
    qint64 sum = 0;
    for (const QCoro::Task<int> &task : tasks)
        sum += co_await task;
    co_return sum;
}

QCoro::Task<qint64> joinFutures(const std::vector<QFuture<int>> &futures)
{
    qint64 sum = 0;
    for (const QFuture<int> &future : futures)
        sum += co_await future;
    co_return sum;
}

QCoro::Task<> awaitJoined(AioUtils::Group &group)
{
    co_await group.joined();
}

// A future finished by a 1 ms timer: the future-returning work a Group task would wrap. The timer
// type is QTimer's default, as in QCoro::sleepFor, so both sides wait on the same kind of timer.
QFuture<int> timerFuture(int value, QObject *context)
{
    auto promise = std::make_shared<QPromise<int>>();
    promise->start();
    QTimer::singleShot(1ms, Qt::CoarseTimer, context, [promise, value] {
        promise->addResult(value);
        promise->finish();
    });
    return promise->future();
}

void check(bool condition, const char *what)
{
    if (!condition)
        qFatal("bench_qcoro: %s", what);
}

// Every row of every run (--runs N): the summary gives each row's min-median-max.
BenchUtil::Table table;

// target 0: none.
void row(const QString &workload, const char *baselineName, double baseline, double ours,
         double target = 0)
{
    table.row(workload, QString::fromUtf8(baselineName), baseline, ours, target);
}

// (a) N tasks that each wait for a 1 ms timer.
void timers(int n, int reps)
{
    const double baseline = BenchUtil::medianMs(
            [n] {
                std::vector<QCoro::Task<int>> tasks;
                tasks.reserve(std::size_t(n));
                for (int i = 0; i < n; ++i)
                    tasks.push_back(sleepTask(i));
                check(QCoro::waitFor(joinTasks(tasks)) == qint64(n) * (n - 1) / 2, "timer sum");
            },
            reps);
    const double ours = BenchUtil::medianMs(
            [n] {
                AioUtils::Group group;
                for (int i = 0; i < n; ++i)
                    group.spawn([i, &group] { return timerFuture(i, &group); });
                group.join();
                check(group.finishedCount() == n, "timer count");
            },
            reps);
    row(QStringLiteral("%1 x 1 ms timer, joined").arg(n),
        "QCoro: sleepFor in N Task<int>, co_await each", baseline, ours, 1.0);
    // The same wait through AioUtils::delay(), which ends its task itself (no QFutureWatcher).
    const double delays = BenchUtil::medianMs(
            [n] {
                AioUtils::Group group;
                for (int i = 0; i < n; ++i)
                    group.spawn(AioUtils::delay, 1ms);
                group.join();
                check(group.finishedCount() == n, "delay count");
            },
            reps);
    row(QStringLiteral("%1 x AioUtils::delay(1ms), joined").arg(n),
        "QCoro: sleepFor in N Task<int>, co_await each", baseline, delays, 1.0);
}

// (b) N thread-pool computations.
void computations(int n, int reps)
{
    const double baseline = BenchUtil::medianMs(
            [n] {
                std::vector<QCoro::Task<int>> tasks;
                tasks.reserve(std::size_t(n));
                for (int i = 0; i < n; ++i)
                    tasks.push_back(computeTask(i));
                check(QCoro::waitFor(joinTasks(tasks)) >= 0, "compute sum");
            },
            reps);
    const double ours = BenchUtil::medianMs(
            [n] {
                AioUtils::Group group;
                for (int i = 0; i < n; ++i)
                    group.spawn([i] { return compute(i); });
                group.join();
                check(group.finishedCount() == n, "compute count");
            },
            reps);
    row(QStringLiteral("%1 thread-pool computations, joined").arg(n),
        "QCoro: co_await QtConcurrent::run in N tasks", baseline, ours, 1.0);
}

// (c) One coroutine joining N thread-pool computations: co_await group.joined() against
// co_await on each QtConcurrent::run future in turn.
void coAwaitJoined(int n, int reps)
{
    const double baseline = BenchUtil::medianMs(
            [n] {
                std::vector<QFuture<int>> futures;
                futures.reserve(std::size_t(n));
                for (int i = 0; i < n; ++i)
                    futures.push_back(QtConcurrent::run(compute, i));
                check(QCoro::waitFor(joinFutures(futures)) >= 0, "future sum");
            },
            reps);
    const double ours = BenchUtil::medianMs(
            [n] {
                AioUtils::Group group;
                for (int i = 0; i < n; ++i)
                    group.spawn([i] { return compute(i); });
                QCoro::waitFor(awaitJoined(group));
                check(group.finishedCount() == n, "joined count");
            },
            reps);
    row(QStringLiteral("%1 computations, co_await joined()").arg(n),
        "QCoro: co_await each QtConcurrent::run future", baseline, ours, 1.0);
}

// Takes every result of `bag` with QCORO_FOREACH over AioUtils::results(); returns their sum.
QCoro::Task<qint64> sumResults(AioUtils::Bag &bag)
{
    qint64 sum = 0;
    QCORO_FOREACH (const QVariant &value, AioUtils::results(bag))
        sum += value.toInt();
    co_return sum;
}

// One consumer taking every result of a Bag that `fill` spawns or puts (their sum `expected`):
// for co_await (QCORO_FOREACH over results(), suspending instead of spinning a nested loop)
// against the range-for over yielding().
void yieldingAgainstResults(const QString &workload,
                            const std::function<void(AioUtils::Bag &)> &fill, qint64 expected,
                            int reps)
{
    const double baseline = BenchUtil::medianMs(
            [&] {
                AioUtils::Bag bag;
                fill(bag);
                qint64 sum = 0;
                for (const QVariant &value : bag.yielding())
                    sum += value.toInt();
                check(sum == expected, "yielding sum");
            },
            reps);
    const double ours = BenchUtil::medianMs(
            [&] {
                AioUtils::Bag bag;
                fill(bag);
                check(QCoro::waitFor(sumResults(bag)) == expected, "results sum");
            },
            reps);
    row(workload, "AioUtils: range-for over yielding()", baseline, ours, 1.2);
}

// (d) The results are there already (put()), so what is timed is the consumer's own cost per
// result.
void consumeReady(int n, int reps)
{
    yieldingAgainstResults(
            QStringLiteral("%1 results put, for co_await").arg(n),
            [n](AioUtils::Bag &bag) {
                for (int i = 0; i < n; ++i)
                    bag.put(i);
            },
            qint64(n) * (n - 1) / 2, reps);
}

// (e) The results arrive while the consumer takes them: N thread-pool computations posted into
// the Bag.
void consumeArriving(int n, int reps)
{
    qint64 expected = 0;
    for (int i = 0; i < n; ++i)
        expected += compute(i) & 1;
    yieldingAgainstResults(
            QStringLiteral("%1 computations, for co_await").arg(n),
            [n](AioUtils::Bag &bag) {
                for (int i = 0; i < n; ++i)
                    bag.post([i] { return compute(i) & 1; });
            },
            expected, reps);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    double scale = 1.0;
    int reps = 3;
    int runs = 1;
    // --only SECTION,...: those rows alone, for a profiler (the published figures come from
    // whole runs).
    const QStringList sections = { QStringLiteral("timers"), QStringLiteral("computations"),
                                   QStringLiteral("joined"), QStringLiteral("results") };
    QStringList only = sections;
    const QStringList args = app.arguments();
    bool ok = BenchUtil::parseOptions(args, &scale, &reps, &runs, { QStringLiteral("--only") });
    if (const qsizetype at = args.indexOf(QLatin1String("--only")); ok && at > 0) {
        only = args[at + 1].split(QLatin1Char(','));
        for (const QString &section : std::as_const(only))
            ok = ok && sections.contains(section);
    }
    if (!ok) {
        std::fprintf(stderr,
                     "usage: bench_qcoro [--scale F>0] [--reps N>=1] [--runs N>=1] [--only %s]\n",
                     qPrintable(sections.join(QLatin1Char('|'))));
        return 2;
    }
    const auto scaled = [scale](int n) { return std::max(1, int(n * scale)); };
    BenchUtil::runTable(table, runs, [&] {
        table.header();
        if (only.contains(QLatin1String("timers"))) {
            // Timers stop at 10k: at 100k both sides take ~16 s, superlinear in Qt's own timers.
            timers(scaled(1000), reps);
            timers(scaled(10000), reps);
        }
        if (only.contains(QLatin1String("computations"))) {
            computations(scaled(10000), reps);
            computations(scaled(100000), reps);
        }
        if (only.contains(QLatin1String("joined")))
            coAwaitJoined(scaled(100000), reps);
        if (only.contains(QLatin1String("results"))) {
            consumeReady(scaled(1000000), reps);
            consumeArriving(scaled(200000), reps);
        }
    });
    return 0;
}
