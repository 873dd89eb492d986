// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The cost of Group's taskTimeout: the same Group with a timeout that never fires (60 s) against
// one without (0), side by side in one process. A timeout must not cost a QTimer per task. The two
// variants alternate which goes first across the repetitions; prints, per workload, the median of
// the repetitions: without, with, and with/without.
//
//   bench_timeout [--scale F] [--reps N]     (--scale 0.01 for a smoke run)

#include "benchutil.h"
#include "readyfuture.h"

#include <AioUtils/Group>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qpromise.h>
#include <QtCore/qthreadpool.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <utility>
#include <vector>

namespace {

// A timeout far longer than any run here: its deadlines are kept but never reached.
constexpr int NeverMs = 60000;

// Every row of every run (--runs N): the summary gives each row's min-median-max.
BenchUtil::Table table;

void row(const char *workload, const char *baselineName, double baseline, double ours,
         double target)
{
    table.row(QString::fromUtf8(workload), QString::fromUtf8(baselineName), baseline, ours, target);
}

// Every task finished and none failed: a timeout that fired would show as a failure.
void check(const AioUtils::Group &group, int n)
{
    if (group.finishedCount() != n || group.failedCount() != 0)
        qFatal("bench_timeout: %d of %d tasks finished, %d failed", group.finishedCount(), n,
               group.failedCount());
}

// Runs `n` tasks with the given taskTimeout, joined.
using Workload = std::function<void(int timeoutMs, int n)>;

// The medians of `reps` repetitions of each variant, without and with the timeout: the one without
// goes first in even repetitions, second in odd ones. A warm-up run of each at a tenth of the size
// first (threads started, allocator and code paths touched).
std::pair<double, double> alternating(const Workload &run, int n, int reps)
{
    run(0, std::max(1, n / 10));
    run(NeverMs, std::max(1, n / 10));
    std::vector<double> without, with;
    const auto measure = [&](int timeoutMs, std::vector<double> *times) {
        times->push_back(BenchUtil::medianMs([&] { run(timeoutMs, n); }, 1));
    };
    for (int i = 0; i < reps; ++i) {
        if (i % 2 == 0) {
            measure(0, &without);
            measure(NeverMs, &with);
        } else {
            measure(NeverMs, &with);
            measure(0, &without);
        }
    }
    return { BenchUtil::median(without), BenchUtil::median(with) };
}

// 200k thread-pool callables spawned into a Group (no limit) and joined.
void threadPoolCallables(int n, int reps)
{
    const auto [without, with] = alternating(
            [](int timeoutMs, int count) {
                AioUtils::Group group;
                group.setTaskTimeout(timeoutMs);
                for (int i = 0; i < count; ++i)
                    group.spawn([i] { return i; });
                group.join();
                check(group, count);
            },
            n, reps);
    row(qPrintable(QStringLiteral("%1 thread-pool callables, Group").arg(n)),
        "the same, taskTimeout 0", without, with, 1.2);
}

// 100k running futures adopted by a Group, then finished and joined: each one's deadline is
// kept, and dropped when it ends. (A ready future ends as it is adopted, with no deadline.)
void runningFutures(int n, int reps)
{
    const auto [without, with] = alternating(
            [](int timeoutMs, int count) {
                AioUtils::Group group;
                group.setTaskTimeout(timeoutMs);
                std::vector<QPromise<int>> promises(static_cast<std::size_t>(count));
                for (int i = 0; i < count; ++i) {
                    promises[std::size_t(i)].start();
                    group.spawn(promises[std::size_t(i)].future());
                }
                for (int i = 0; i < count; ++i) {
                    promises[std::size_t(i)].addResult(i);
                    promises[std::size_t(i)].finish();
                }
                group.join();
                check(group, count);
            },
            n, reps);
    row(qPrintable(QStringLiteral("%1 running futures adopted, Group").arg(n)),
        "the same, taskTimeout 0", without, with, 1.2);
}

// 1M ready futures adopted by a Group and joined: they end as they are adopted, and never have a
// deadline; the row shows that a timeout costs them nothing.
void readyFutures(int n, int reps)
{
    const auto [without, with] = alternating(
            [](int timeoutMs, int count) {
                AioUtils::Group group;
                group.setTaskTimeout(timeoutMs);
                for (int i = 0; i < count; ++i)
                    group.spawn(TestUtil::readyFuture(i));
                group.join();
                check(group, count);
            },
            n, reps);
    row(qPrintable(QStringLiteral("%1 ready futures, Group").arg(n)), "the same, taskTimeout 0",
        without, with, 1.2);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    double scale = 1.0;
    int reps = 3;
    int runs = 1;
    if (!BenchUtil::readOptions(app.arguments(), "bench_timeout", &scale, &reps, &runs))
        return 2;
    BenchUtil::runTable(table, runs, [&] {
        table.header("baseline (ours: taskTimeout 60 s)");
        threadPoolCallables(std::max(1, int(200000 * scale)), reps);
        readyFutures(std::max(1, int(1000000 * scale)), reps);
        runningFutures(std::max(1, int(100000 * scale)), reps);
    });
    return 0;
}
