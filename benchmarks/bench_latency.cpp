// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Latency from a worker-thread completion to a slot on the main thread, side by side in one
// process: a thread-pool task spawned into a Bag, whose result reaches a resultReady slot, against
// a posted event (QMetaObject::invokeMethod, Qt::QueuedConnection) sent by a thread-pool worker.
// Samples run one at a time, each an isolated round trip; the worker stamps steady_clock just
// before it completes and the slot subtracts that stamp from its own. Prints, per statistic, the
// median over the repetitions of that statistic, in microseconds.
//
//   bench_latency [--scale F] [--reps N]     (--scale 0.01 for a smoke run)

#include "benchutil.h"

#include <AioUtils/Bag>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qeventloop.h>
#include <QtCore/qthreadpool.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
}

struct Stats
{
    double median = 0;
    double p90 = 0;
};

// Nearest-rank percentiles of one run of samples.
Stats statsOf(std::vector<double> samples)
{
    std::sort(samples.begin(), samples.end());
    const auto rank = [&samples](double p) {
        const auto index = std::size_t(std::ceil(p * double(samples.size())));
        return samples[std::clamp<std::size_t>(index, 1, samples.size()) - 1];
    };
    return { rank(0.5), rank(0.9) };
}

// Baseline: the worker posts a functor to a QObject living on the main thread.
std::vector<double> postedEventSamples(int samples)
{
    QObject receiver;
    QEventLoop loop;
    bool arrived = false;
    qint64 latencyNs = 0;
    std::vector<double> micros;
    micros.reserve(std::size_t(samples));
    for (int i = 0; i < samples; ++i) {
        arrived = false;
        // The functor only touches the main thread's locals when it runs there, in the slot.
        QThreadPool::globalInstance()->start([&receiver, &loop, &arrived, &latencyNs] {
            const qint64 t0 = nowNs();
            QMetaObject::invokeMethod(
                    &receiver,
                    [t0, &loop, &arrived, &latencyNs] {
                        latencyNs = nowNs() - t0;
                        arrived = true;
                        loop.quit();
                    },
                    Qt::QueuedConnection);
        });
        // quit() before exec() would be lost: exec() resets the exit flag.
        if (!arrived)
            loop.exec();
        micros.push_back(double(latencyNs) / 1e3);
    }
    QThreadPool::globalInstance()->waitForDone();
    return micros;
}

// Ours: a thread-pool task spawned into a Bag; its result reaches a resultReady slot.
std::vector<double> bagSamples(int samples)
{
    AioUtils::Bag bag;
    QEventLoop loop;
    bool arrived = false;
    qint64 latencyNs = 0;
    QObject::connect(&bag, &AioUtils::Bag::resultReady, &bag,
                     [&loop, &arrived, &latencyNs](const QVariant &result) {
                         latencyNs = nowNs() - result.toLongLong();
                         arrived = true;
                         loop.quit();
                     });
    std::vector<double> micros;
    micros.reserve(std::size_t(samples));
    for (int i = 0; i < samples; ++i) {
        arrived = false;
        bag.spawn([] { return nowNs(); });
        if (!arrived)
            loop.exec();
        micros.push_back(double(latencyNs) / 1e3);
        // Each sample is its own round: nothing retained, nothing pending when the next starts.
        bag.takeAll();
        bag.join();
    }
    return micros;
}

// Every row of every run (--runs N): the summary gives each row's min-median-max. Times in µs.
BenchUtil::Table table;

void latency(int samples, int reps)
{
    // Warm up both paths: thread-pool threads started, allocations and code paths touched.
    const int warmup = std::max(1, samples / 10);
    postedEventSamples(warmup);
    bagSamples(warmup);

    std::vector<double> baseMedians, basePercentiles, oursMedians, oursPercentiles;
    for (int i = 0; i < reps; ++i) {
        const Stats base = statsOf(postedEventSamples(samples));
        const Stats ours = statsOf(bagSamples(samples));
        baseMedians.push_back(base.median);
        basePercentiles.push_back(base.p90);
        oursMedians.push_back(ours.median);
        oursPercentiles.push_back(ours.p90);
    }
    const char *baselineName = "posted event round trip (invokeMethod)";
    const double oursMedian = BenchUtil::median(oursMedians);
    // The ratio's target; the other, a median of at most 50 µs, is printed under the row.
    table.row(QStringLiteral("%1 completions -> resultReady, median").arg(samples),
              QString::fromUtf8(baselineName), BenchUtil::median(baseMedians), oursMedian, 1.5);
    std::printf("  ours %.1f us: target <= 50 us %s\n", oursMedian,
                oursMedian <= 50 ? "met" : "MISSED");
    table.row(QStringLiteral("%1 completions -> resultReady, p90").arg(samples),
              QString::fromUtf8(baselineName), BenchUtil::median(basePercentiles),
              BenchUtil::median(oursPercentiles));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    double scale = 1.0;
    int reps = 3;
    int runs = 1;
    if (!BenchUtil::readOptions(app.arguments(), "bench_latency", &scale, &reps, &runs))
        return 2;
    BenchUtil::runTable(table, runs, [&] {
        table.header();
        latency(std::max(1, int(2000 * scale)), reps);
    });
    return 0;
}
