// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The cost of keyed tasks: 100k queued tasks over 1,000 keys with limitPerKey 2 in a Pool of 8,
// against the same work unkeyed in the same Pool, in one process. The scheduler must start each
// task in O(1) (no scan of the queue), whether the keys come in turn (each task's key is free when
// it reaches the front) or in runs (100 tasks of one key in a row: the front's key is nearly
// always at its limit, so almost every task waits in its key's line, and the tasks of the next
// keys start past it). The work is future-returning work that ends at once, on the group's thread,
// so that what is measured is the group's own scheduling; the tasks are spawned into a paused pool
// (all of them queued) and the pool is then resumed and joined. The variants run interleaved;
// prints the median of the repetitions of each, and keyed/unkeyed.
//
//   bench_keys [--scale F] [--reps N]     (--scale 0.01 for a smoke run)

#include "benchutil.h"
#include "readyfuture.h"

#include <AioUtils/Key>
#include <AioUtils/Pool>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qstring.h>

#include <cstdio>
#include <functional>
#include <vector>

namespace {

constexpr int Keys = 1000;
constexpr int PerKey = 2;
constexpr int PoolSize = 8;

enum class Keying { None, InTurn, InRuns };

// Spawns `n` tasks into a paused Pool (keyed as `keying` says), resumes it and joins.
void run(Keying keying, int n, const std::vector<AioUtils::Key> &keys)
{
    AioUtils::Pool pool(PoolSize);
    pool.setLimitPerKey(PerKey);
    pool.setPaused(true);
    const int run = std::max(1, n / Keys); // tasks of one key in a row, InRuns
    for (int i = 0; i < n; ++i) {
        const auto work = [] { return TestUtil::readyFuture(); };
        switch (keying) {
        case Keying::None:
            pool.post(work);
            break;
        case Keying::InTurn:
            pool.post(keys[std::size_t(i % Keys)], work);
            break;
        case Keying::InRuns:
            pool.post(keys[std::size_t((i / run) % Keys)], work);
            break;
        }
    }
    pool.setPaused(false);
    pool.join();
    if (pool.finishedCount() != n || pool.failedCount() != 0)
        qFatal("bench_keys: %d of %d tasks finished", pool.finishedCount(), n);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    double scale = 1.0;
    int reps = 5;
    int runs = 1;
    if (!BenchUtil::readOptions(app.arguments(), "bench_keys", &scale, &reps, &runs))
        return 2;
    const int n = std::max(1, int(100000 * scale));
    std::vector<AioUtils::Key> keys;
    for (int k = 0; k < Keys; ++k)
        keys.emplace_back(QStringLiteral("http://host%1.example:80").arg(k));
    // Warm-up: threads, allocator, code paths.
    for (Keying keying : { Keying::None, Keying::InTurn, Keying::InRuns })
        run(keying, std::max(1, n / 10), keys);
    BenchUtil::Table table;
    const QString unkeyed = QStringLiteral("unkeyed (Pool of 8, limitPerKey 2)");
    BenchUtil::runTable(table, runs, [&] {
        const std::vector<std::vector<double>> ms = BenchUtil::interleavedTimesMs(
                { [&] { run(Keying::None, n, keys); }, [&] { run(Keying::InTurn, n, keys); },
                  [&] { run(Keying::InRuns, n, keys); } },
                reps);
        table.header();
        table.row(QStringLiteral("%1 queued tasks, %2 keys in turn").arg(n).arg(Keys), unkeyed,
                  BenchUtil::median(ms[0]), BenchUtil::median(ms[1]), 1.5,
                  BenchUtil::pairedRatio(ms[0], ms[1]));
        table.row(QStringLiteral("%1 queued tasks, %2 keys in runs of %3")
                          .arg(n)
                          .arg(Keys)
                          .arg(std::max(1, n / Keys)),
                  unkeyed, BenchUtil::median(ms[0]), BenchUtil::median(ms[2]), 1.5,
                  BenchUtil::pairedRatio(ms[0], ms[2]));
    });
    return 0;
}
