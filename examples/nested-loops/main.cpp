// SPDX-License-Identifier: Apache-2.0

// The nested-loops workload of aioutils, three ways: outer tasks each sleep, then spawn inner tasks
// into the same group or pool. Sequentially that is the sum of all sleeps; in a Group it is the
// critical path (one outer sleep plus one inner sleep); in a Pool(N) it is bounded by N slots.

#include <AioUtils/Group>
#include <AioUtils/Pool>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFutureWatcher>
#include <QtCore/QPromise>
#include <QtCore/QTimer>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>

namespace {

struct Workload
{
    int outer = 10;
    int inner = 10;
    int ms = 100;
    int poolSize = 5;
    bool skipSequential = false;

    int tasks() const { return outer + outer * inner; }
    // What no scheduler can beat: one outer sleep, then one inner sleep.
    int criticalPathMs() const { return outer == 0 ? 0 : (inner == 0 ? ms : 2 * ms); }
    // With N slots, every task still needs a slot for `ms`.
    int poolBoundMs() const
    {
        const int waves = (tasks() + poolSize - 1) / poolSize;
        return std::max(criticalPathMs(), waves * ms);
    }
};

// asyncio.sleep(): a future that a timer on the calling thread finishes after `ms` milliseconds.
// Nothing blocks; the thread only has to spin its events, which Group::join() does.
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

// `await future`: spins a local event loop until the future has finished.
void await(const QFuture<void> &future)
{
    if (future.isFinished())
        return;
    QEventLoop loop;
    QFutureWatcher<void> watcher;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
    // A future that finishes before this line still makes the watcher emit finished().
    watcher.setFuture(future);
    loop.exec();
}

// for i in range(outer): await sleep(ms); for j in range(inner): await sleep(ms)
void runSequential(const Workload &w)
{
    for (int i = 0; i < w.outer; ++i) {
        await(sleepFor(w.ms));
        for (int j = 0; j < w.inner; ++j)
            await(sleepFor(w.ms));
    }
}

// Each outer task sleeps, spawns its inner tasks into the same group, and ends. join() waits for
// the inner tasks as well: they were counted before their parent's future finished.
bool runSpawned(AioUtils::Group &group, const Workload &w)
{
    for (int i = 0; i < w.outer; ++i) {
        group.spawn([&group, w] {
            return sleepFor(w.ms).then(QtFuture::Launch::Sync, [&group, w] {
                for (int j = 0; j < w.inner; ++j)
                    group.spawn(sleepFor, w.ms);
            });
        });
    }
    const bool joined = group.join();
    return joined && group.spawnedCount() == w.tasks() && group.finishedCount() == w.tasks()
            && group.failedCount() == 0;
}

void printTime(const QString &label, qint64 ms)
{
    std::printf("%-14s %6.2f s\n", qPrintable(label), double(ms) / 1000.0);
    std::fflush(stdout);
}

// Reads an integer option of at least `min`; false (with a message) if it is not one.
bool readInt(const QCommandLineParser &parser, const QCommandLineOption &option, int min,
             int *value)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const QString text = parser.value(option);
    const int number = text.toInt(&ok);
    if (!ok || number < min) {
        std::fprintf(stderr, "nested-loops: --%s must be an integer >= %d, not \"%s\"\n",
                     qPrintable(option.names().constFirst()), min, qPrintable(text));
        return false;
    }
    *value = number;
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("nested-loops"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "Runs N outer tasks that each sleep, then spawn M inner sleeping tasks into the same "
            "group: sequentially, in an AioUtils::Group and in an AioUtils::Pool."));
    parser.addHelpOption();
    const QCommandLineOption outerOption(QStringLiteral("outer"),
                                         QStringLiteral("Outer tasks (default 10)."),
                                         QStringLiteral("n"));
    const QCommandLineOption innerOption(QStringLiteral("inner"),
                                         QStringLiteral("Inner tasks per outer task (default 10)."),
                                         QStringLiteral("n"));
    const QCommandLineOption msOption(QStringLiteral("ms"),
                                      QStringLiteral("Each task's sleep in milliseconds (default "
                                                     "100)."),
                                      QStringLiteral("ms"));
    const QCommandLineOption poolOption(QStringLiteral("pool"),
                                        QStringLiteral("The pool's size (default 5)."),
                                        QStringLiteral("n"));
    const QCommandLineOption skipOption(QStringLiteral("skip-sequential"),
                                        QStringLiteral("Skip the (slow) sequential run."));
    parser.addOptions({ outerOption, innerOption, msOption, poolOption, skipOption });

    if (!parser.parse(QCoreApplication::arguments())) {
        std::fprintf(stderr, "nested-loops: %s\nTry --help.\n", qPrintable(parser.errorText()));
        return 2;
    }
    // Valid options now: process() only acts on --help and --help-all.
    parser.process(app);
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "nested-loops: unexpected argument \"%s\"\nTry --help.\n",
                     qPrintable(parser.positionalArguments().constFirst()));
        return 2;
    }

    Workload w;
    if (!readInt(parser, outerOption, 0, &w.outer) || !readInt(parser, innerOption, 0, &w.inner)
        || !readInt(parser, msOption, 0, &w.ms) || !readInt(parser, poolOption, 1, &w.poolSize)) {
        return 2;
    }
    w.skipSequential = parser.isSet(skipOption);

    std::printf("nested loops: %d outer tasks x (%d ms, then %d inner tasks x %d ms) = %d tasks\n",
                w.outer, w.ms, w.inner, w.ms, w.tasks());
    printTime(QStringLiteral("critical path"), w.criticalPathMs());
    printTime(QStringLiteral("Pool(%1) bound").arg(w.poolSize), w.poolBoundMs());

    int exitCode = 0;
    try {
        QElapsedTimer clock;
        if (!w.skipSequential) {
            clock.start();
            runSequential(w);
            printTime(QStringLiteral("sequential"), clock.elapsed());
        }

        {
            AioUtils::Group group;
            clock.start();
            const bool ok = runSpawned(group, w);
            printTime(QStringLiteral("Group"), clock.elapsed());
            if (!ok) {
                std::fprintf(stderr, "nested-loops: Group ran %d of %d tasks\n",
                             group.finishedCount(), w.tasks());
                exitCode = 1;
            }
        }

        {
            AioUtils::Pool pool(w.poolSize);
            clock.start();
            const bool ok = runSpawned(pool, w);
            printTime(QStringLiteral("Pool(%1)").arg(w.poolSize), clock.elapsed());
            if (!ok) {
                std::fprintf(stderr, "nested-loops: Pool ran %d of %d tasks\n",
                             pool.finishedCount(), w.tasks());
                exitCode = 1;
            }
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "nested-loops: a task failed: %s\n", e.what());
        exitCode = 1;
    }

    // The timers asked for their deletion from inside join()'s event loop; this program never
    // runs exec(), so it deletes them here.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return exitCode;
}
