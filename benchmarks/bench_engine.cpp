// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Group/Pool against the Qt code a developer would write by hand, side by side in one process.
// Prints, per workload, the median of several repetitions of the baseline and of ours, and as
// the ratio the median of the repetitions' own ratios: the variants of a workload run
// interleaved (each repetition runs each once), so that the machine's drift weighs on all alike.
//
//   bench_engine [--scale F] [--reps N]     (--scale 0.01 for a smoke run)

#include "benchutil.h"
#include "readyfuture.h"

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include <QtConcurrent/qtconcurrentrun.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qfile.h>
#include <QtCore/qfuturesynchronizer.h>
#include <QtCore/qprocess.h>
#include <QtCore/qsemaphore.h>
#include <QtCore/qtimer.h>
#include <QtCore/qeventloop.h>
#include <QtCore/qfuture.h>
#include <QtCore/qpromise.h>
#include <QtCore/qthreadpool.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace {

// Spins the event loop until `done` holds.
template<typename Done> void spinUntil(Done done)
{
    while (!done())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
}

// What QtConcurrent::run(work).then(context, done) does, in the order that is safe on Qt 6.4: the
// continuation is attached before the work can finish. Attached to a future that another thread
// is finishing at that moment, Qt 6.4.2 may run a then() continuation twice; the second run starts
// a moved-from QPromise and crashes (seen here in 1M-task runs, in Release and under ASan).
// AioUtils itself never uses then() for this reason (and because a second then() replaces the
// first).
template<typename Work, typename Done> void runThen(Work &&work, QObject *context, Done &&done)
{
    auto promise = std::make_shared<QPromise<int>>();
    promise->start();
    promise->future().then(context, std::forward<Done>(done));
    QThreadPool::globalInstance()->start([work = std::forward<Work>(work), promise]() mutable {
        promise->addResult(work());
        promise->finish();
    });
}

// Every row of every run (--runs N): the summary gives each row's min-median-max.
BenchUtil::Table table;

void row(const char *workload, const char *baselineName, double baseline, double ours,
         double target)
{
    table.row(QString::fromUtf8(workload), QString::fromUtf8(baselineName), baseline, ours, target);
}

// A row of variants measured together: ours (runs[ours]) against a baseline (runs[base]).
struct Compared
{
    std::size_t base;
    std::size_t ours;
    QString workload;
    const char *baselineName;
    double target;
};

// Runs the variants interleaved (BenchUtil::interleavedTimesMs(): each repetition runs each once,
// starting with a different one), then prints each row with the median times and, as its ratio,
// the median of the repetitions' own ratios: this VM's speed changes by up to 2x for minutes at
// a time, and a variant measured in a slow stretch against a baseline measured in a fast one
// gave ratios that said nothing about either.
void interleavedRows(const std::vector<std::function<void()>> &runs,
                     const std::vector<Compared> &rows, int reps)
{
    const std::vector<std::vector<double>> ms = BenchUtil::interleavedTimesMs(runs, reps);
    for (const Compared &r : rows)
        table.row(r.workload, QString::fromUtf8(r.baselineName), BenchUtil::median(ms[r.base]),
                  BenchUtil::median(ms[r.ours]), r.target,
                  BenchUtil::pairedRatio(ms[r.base], ms[r.ours]));
}

// 1M ready futures: makeReadyFuture + then(ctx) + counter, against spawn into a Group + join.
void readyFutures(int n, int reps)
{
    const auto baseline = [n] {
        QObject ctx;
        int counter = 0;
        for (int i = 0; i < n; ++i)
            TestUtil::readyFuture(i).then(&ctx, [&counter](int) { ++counter; });
        spinUntil([&] { return counter == n; });
    };
    const auto ours = [n] {
        AioUtils::Group group;
        for (int i = 0; i < n; ++i)
            group.spawn(TestUtil::readyFuture(i));
        group.join();
        Q_ASSERT(group.finishedCount() == n);
    };
    interleavedRows({ baseline, ours },
                    { { 0, 1, QStringLiteral("%1 ready futures, Group").arg(n),
                        "makeReadyFuture + then(ctx) + counter", 1.0 } },
                    reps);
}

// 200k thread-pool callables: thread pool + then(ctx), against spawn into a Group.
void threadPoolCallables(int n, int reps)
{
    const auto baseline = [n] {
        QObject ctx;
        int counter = 0;
        for (int i = 0; i < n; ++i)
            runThen([i] { return i; }, &ctx, [&counter](int) { ++counter; });
        spinUntil([&] { return counter == n; });
    };
    const auto ours = [n] {
        AioUtils::Group group;
        for (int i = 0; i < n; ++i)
            group.spawn([i] { return i; });
        group.join();
        Q_ASSERT(group.finishedCount() == n);
    };
    interleavedRows({ baseline, ours },
                    { { 0, 1, QStringLiteral("%1 thread-pool callables, Group").arg(n),
                        "thread pool + QPromise + then(ctx)", 1.0 } },
                    reps);
}

// A hand-written bounded queue: at most `limit` thread-pool calls in flight, the next one started
// on the main thread when one ends.
class HandQueue
{
public:
    explicit HandQueue(int limit) : m_limit(limit) { }
    void push(std::function<int()> work)
    {
        m_queue.push_back(std::move(work));
        pump();
    }
    void pump()
    {
        while (m_running < m_limit && !m_queue.empty()) {
            std::function<int()> work = std::move(m_queue.front());
            m_queue.pop_front();
            ++m_running;
            runThen(std::move(work), &m_ctx, [this](int) {
                --m_running;
                ++m_done;
                pump();
            });
        }
    }
    int done() const { return m_done; }

private:
    QObject m_ctx;
    std::deque<std::function<int()>> m_queue;
    int m_limit;
    int m_running = 0;
    int m_done = 0;
};

// With `hold`, the first 8 tasks wait until every task has been spawned, so that the rest are all
// queued at once: what the peak-memory measurement needs.
void poolBaselineRun(int n, bool hold = false)
{
    QSemaphore gate;
    HandQueue queue(8);
    for (int i = 0; i < n; ++i) {
        queue.push([i, hold, &gate] {
            if (hold && i < 8)
                gate.acquire();
            return i;
        });
    }
    gate.release(8);
    spinUntil([&] { return queue.done() == n; });
}

// spawn(), which gives every task a QFuture, or post(), fire and forget.
void poolOursRun(int n, bool hold = false, bool post = false)
{
    QSemaphore gate;
    AioUtils::Pool pool(8);
    for (int i = 0; i < n; ++i) {
        auto work = [i, hold, &gate] {
            if (hold && i < 8)
                gate.acquire();
            return i;
        };
        if (post)
            pool.post(work);
        else
            pool.spawn(work);
    }
    gate.release(8);
    pool.join();
    Q_ASSERT(pool.finishedCount() == n);
}

long peakRssKb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLong();
    }
    return -1;
}

// Runs one variant in a child process of this program and returns its peak RSS in kB.
long childPeakRssKb(const char *variant, int n)
{
    QProcess child;
    child.start(QCoreApplication::applicationFilePath(),
                { QStringLiteral("--child"), QString::fromLatin1(variant), QStringLiteral("--n"),
                  QString::number(n) });
    if (!child.waitForFinished(-1) || child.exitCode() != 0)
        return -1;
    return child.readAllStandardOutput().trimmed().toLong();
}

void poolCallables(int n, int reps)
{
    interleavedRows({ [n] { poolBaselineRun(n); }, [n] { poolOursRun(n); },
                      [n] { poolOursRun(n, false, true); } },
                    { { 0, 1, QStringLiteral("%1 callables, Pool(8) spawn()").arg(n),
                        "hand-written queue + thread pool", 1.2 },
                      { 0, 2, QStringLiteral("%1 callables, Pool(8) post()").arg(n),
                        "hand-written queue + thread pool", 1.2 } },
                    reps);

    // Peak memory, each variant alone in a fresh process, less an idle process's peak.
    const long idle = childPeakRssKb("idle", n);
    const long base = childPeakRssKb("pool-baseline", n);
    const long spawnedKb = childPeakRssKb("pool-ours", n);
    const long postedKb = childPeakRssKb("pool-ours-post", n);
    if (idle < 0 || base < 0 || spawnedKb < 0 || postedKb < 0) {
        std::printf("peak RSS per queued task: a child process failed\n");
        return;
    }
    const double baseBytes = double(base - idle) * 1024 / n;
    const auto memoryRow = [&](const char *workload, long kb) {
        const double bytes = double(kb - idle) * 1024 / n;
        std::printf("%-34s %-38s %10.0f %10.0f %7.2fx  (target <= 256 B/task)\n", workload,
                    "hand-written queue + thread pool", baseBytes, bytes, bytes / baseBytes);
    };
    // A spawned task holds its QFuture's shared state (about 450 B in Qt 6.4) from the spawn.
    memoryRow("  peak RSS, B/queued task, spawn()", spawnedKb);
    memoryRow("  peak RSS, B/queued task, post()", postedKb);
    std::fflush(stdout);
}

// The other ways Qt offers to wait for many thread-pool results, for the same work.
void threadPoolSynchronizers(int n, int reps)
{
    const auto synchronizer = [n] {
        QFutureSynchronizer<int> sync;
        for (int i = 0; i < n; ++i)
            sync.addFuture(QtConcurrent::run([i] { return i; }));
        sync.waitForFinished();
    };
    // QtFuture::whenAll() attaches a continuation to every future. On Qt 6.4 a then() attached
    // while another thread finishes that future may run twice and crash, so every promise is
    // made and combined first, and the work starts afterwards.
    const auto whenAll = [n] {
        std::vector<std::shared_ptr<QPromise<int>>> promises;
        promises.reserve(size_t(n));
        QList<QFuture<int>> futures;
        futures.reserve(n);
        for (int i = 0; i < n; ++i) {
            auto promise = std::make_shared<QPromise<int>>();
            promise->start();
            futures.append(promise->future());
            promises.push_back(std::move(promise));
        }
        QFuture<QList<QFuture<int>>> all = QtFuture::whenAll(futures.begin(), futures.end());
        QThreadPool *pool = QThreadPool::globalInstance();
        for (int i = 0; i < n; ++i) {
            pool->start([promise = std::move(promises[size_t(i)]), i] {
                promise->addResult(i);
                promise->finish();
            });
        }
        all.waitForFinished();
    };
    const auto ours = [n] {
        AioUtils::Group group;
        for (int i = 0; i < n; ++i)
            group.spawn([i] { return i; });
        group.join();
    };
    const QString workload = QStringLiteral("%1 thread-pool callables, Group").arg(n);
    interleavedRows({ synchronizer, whenAll, ours },
                    { { 0, 2, workload, "QtConcurrent::run + QFutureSynchronizer", 0.9 },
                      { 1, 2, workload, "QPromise + QtFuture::whenAll", 1.0 } },
                    reps);
}

// A future finished `ms` milliseconds from now by a timer on this thread (asyncio.sleep).
QFuture<void> sleepFor(int ms)
{
    auto promise = std::make_shared<QPromise<void>>();
    promise->start();
    auto *timer = new QTimer;
    timer->setSingleShot(true);
    timer->setTimerType(Qt::PreciseTimer);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, promise] {
        promise->finish();
        timer->deleteLater();
    });
    timer->start(ms);
    return promise->future();
}

// The seed's timing scenarios against their critical path.
void seedScenarios(int reps)
{
    const double group = BenchUtil::medianMs(
            [] {
                AioUtils::Group g;
                for (int i = 0; i < 9; ++i)
                    g.spawn([] { return sleepFor(100); });
                g.join();
            },
            reps);
    row("Group: 9 tasks of 100 ms", "critical path", 100, group, 1.05);
    const double pool = BenchUtil::medianMs(
            [] {
                AioUtils::Pool p(3);
                for (int i = 0; i < 9; ++i)
                    p.spawn([] { return sleepFor(100); });
                p.join();
            },
            reps);
    row("Pool(3): 9 tasks of 100 ms", "critical path", 300, pool, 1.05);
    const double nested = BenchUtil::medianMs(
            [] {
                AioUtils::Group g;
                for (int i = 0; i < 10; ++i) {
                    g.spawn([&g] {
                        return sleepFor(100).then(QtFuture::Launch::Sync, [&g] {
                            for (int j = 0; j < 10; ++j)
                                g.spawn([] { return sleepFor(100); });
                        });
                    });
                }
                g.join();
            },
            reps);
    row("nested: 10 x (100 ms + 10 x 100 ms)", "critical path", 200, nested, 1.05);
}

// 1M results through a Bag and an OrderedBag, consumed with yielding(), against the same
// thread-pool work joined in a Group. Thread-pool completion order is shuffled by the threads.
void bagResults(int n, int reps)
{
    const auto groupRun = [n] {
        AioUtils::Group group;
        for (int i = 0; i < n; ++i)
            group.spawn([i] { return i; });
        group.join();
    };
    const auto bagRun = [n] {
        AioUtils::Bag bag;
        for (int i = 0; i < n; ++i)
            bag.spawn([i] { return i; });
        qint64 sum = 0;
        for (const QVariant &v : bag.yielding())
            sum += v.toInt();
        Q_ASSERT(sum == qint64(n) * (n - 1) / 2);
    };
    const auto orderedRun = [n] {
        AioUtils::OrderedBag bag;
        for (int i = 0; i < n; ++i)
            bag.spawn([i] { return i; });
        int expected = 0;
        for (const QVariant &v : bag.yielding()) {
            if (v.toInt() != expected++)
                qFatal("OrderedBag out of order");
        }
    };
    interleavedRows({ groupRun, bagRun, orderedRun },
                    { { 0, 1, QStringLiteral("%1 results, Bag + yielding()").arg(n),
                        "the same work in a Group, joined", 1.3 },
                      { 0, 2, QStringLiteral("%1 results, OrderedBag").arg(n),
                        "the same work in a Group, joined", 1.3 } },
                    reps);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    double scale = 1.0;
    int reps = 3;
    QString child;
    int childN = 0;
    const QStringList args = app.arguments();
    // --child VARIANT --n N: this process is a child run for a peak-RSS measurement.
    int runs = 1;
    // --only SECTION,...: those sections of the table alone (a quick look while working; the
    // published figures come from whole runs, whose earlier rows shape the heap of later ones).
    const QStringList sections = { QStringLiteral("ready"),         QStringLiteral("threads"),
                                   QStringLiteral("synchronizers"), QStringLiteral("pool"),
                                   QStringLiteral("bag"),           QStringLiteral("seed") };
    QStringList only = sections;
    bool ok = BenchUtil::parseOptions(
            args, &scale, &reps, &runs,
            { QStringLiteral("--child"), QStringLiteral("--n"), QStringLiteral("--only") });
    for (int i = 1; ok && i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--child")) {
            child = args[i + 1];
        } else if (args[i] == QLatin1String("--n")) {
            childN = args[i + 1].toInt();
        } else if (args[i] == QLatin1String("--only")) {
            only = args[i + 1].split(QLatin1Char(','));
            for (const QString &section : std::as_const(only))
                ok = ok && sections.contains(section);
        }
    }
    if (!ok) {
        std::fprintf(stderr,
                     "usage: bench_engine [--scale F>0] [--reps N>=1] [--runs N>=1] "
                     "[--only %s]\n",
                     qPrintable(sections.join(QLatin1Char('|'))));
        return 2;
    }
    if (!child.isEmpty()) {
        // One variant alone, for its peak RSS.
        QThreadPool::globalInstance()->start([] {});
        QThreadPool::globalInstance()->waitForDone();
        if (child == QLatin1String("pool-baseline"))
            poolBaselineRun(childN, true);
        else if (child == QLatin1String("pool-ours"))
            poolOursRun(childN, true);
        else if (child == QLatin1String("pool-ours-post"))
            poolOursRun(childN, true, true);
        std::printf("%ld\n", peakRssKb());
        return 0;
    }
    BenchUtil::runTable(table, runs, [&] {
        table.header();
        if (only.contains(QLatin1String("ready")))
            readyFutures(int(1000000 * scale), reps);
        if (only.contains(QLatin1String("threads")))
            threadPoolCallables(int(200000 * scale), reps);
        if (only.contains(QLatin1String("synchronizers")))
            threadPoolSynchronizers(int(200000 * scale), reps);
        if (only.contains(QLatin1String("pool")))
            poolCallables(int(1000000 * scale), reps);
        if (only.contains(QLatin1String("bag")))
            bagResults(int(1000000 * scale), reps);
        if (only.contains(QLatin1String("seed")))
            seedScenarios(reps);
    });
    return 0;
}
