// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// One engine workload of bench_engine, alone in a process, for A/B runs of two builds of the
// library with an outside timer (the program links the shared library, so LD_LIBRARY_PATH picks
// the build):
//
//   farm-bench -n 8 --vs "env LD_LIBRARY_PATH=<old build>/src/core bench_workload post"
//       -- env LD_LIBRARY_PATH=<new build>/src/core bench_workload post
//
//   bench_workload ready|threads|concurrent|post|spawn|bag|orderedbag [--scale F] [--reps N]
//     ready:      1M ready futures spawned into a Group, joined
//     threads:    200k thread-pool callables spawned into a Group, joined
//     concurrent: the same with QtConcurrent::run and a QFutureSynchronizer (bench_engine's
//                 baseline of that row), to profile the two side by side
//     post:       1M callables posted into a Pool(8), joined
//     spawn:      1M callables spawned into a Pool(8), joined
//     bag:        1M thread-pool results through a Bag, taken with yielding()
//     orderedbag: the same through an OrderedBag
// Prints each repetition's wall time in ms.

#include "benchutil.h"
#include "readyfuture.h"

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include <QtConcurrent/qtconcurrentrun.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qfuturesynchronizer.h>
#include <QtCore/qthreadpool.h>

#include <cstdio>
#include <memory>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments();
    const QString what = args.size() > 1 ? args.takeAt(1) : QString();
    double scale = 1.0;
    int reps = 3;
    const bool bagWorkload = what == QLatin1String("bag") || what == QLatin1String("orderedbag");
    const bool concurrent = what == QLatin1String("concurrent");
    const bool known = what == QLatin1String("ready") || what == QLatin1String("threads")
            || concurrent || what == QLatin1String("post") || what == QLatin1String("spawn")
            || bagWorkload;
    if (!known || !BenchUtil::parseOptions(args, &scale, &reps, nullptr)) {
        std::fprintf(stderr,
                     "usage: bench_workload ready|threads|concurrent|post|spawn|bag|orderedbag "
                     "[--scale F>0] [--reps N>=1]\n");
        return 2;
    }
    const bool threads = what == QLatin1String("threads") || concurrent;
    const int n = std::max(1, int((threads ? 200000 : 1000000) * scale));
    for (int rep = 0; rep < reps; ++rep) {
        QThreadPool::globalInstance()->waitForDone();
        QElapsedTimer clock;
        clock.start();
        if (what == QLatin1String("ready")) {
            AioUtils::Group group;
            for (int i = 0; i < n; ++i)
                group.spawn([] { return TestUtil::readyFuture(); });
            group.join();
        } else if (what == QLatin1String("threads")) {
            AioUtils::Group group;
            for (int i = 0; i < n; ++i)
                group.spawn([i] { return i; });
            group.join();
        } else if (concurrent) {
            QFutureSynchronizer<int> sync;
            for (int i = 0; i < n; ++i)
                sync.addFuture(QtConcurrent::run([i] { return i; }));
            sync.waitForFinished();
        } else if (bagWorkload) {
            const std::unique_ptr<AioUtils::Bag> bag = what == QLatin1String("bag")
                    ? std::make_unique<AioUtils::Bag>()
                    : std::make_unique<AioUtils::OrderedBag>();
            for (int i = 0; i < n; ++i)
                bag->spawn([i] { return i; });
            qint64 sum = 0;
            for (const QVariant &v : bag->yielding())
                sum += v.toInt();
            if (sum != qint64(n) * (n - 1) / 2)
                qFatal("bench_workload: the results add up to %lld", sum);
        } else {
            AioUtils::Pool pool(8);
            for (int i = 0; i < n; ++i) {
                if (what == QLatin1String("post"))
                    pool.post([] {});
                else
                    pool.spawn([] {});
            }
            pool.join();
        }
        std::printf("%s %d: %.1f ms\n", qPrintable(what), n, double(clock.nsecsElapsed()) / 1e6);
    }
    return 0;
}
