// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// What Group::taskModel() costs per task: the same work with and without a model in one process,
// interleaved, and the difference per task (target: below 2 microseconds). Two workloads:
//   - queued: tasks spawned into a paused Pool of 8 (a row each, all queued at once), then
//     resumed and joined; the work is future-returning work that ends at once, on the group's
//     thread, so the group's own bookkeeping is what is measured;
//   - threads: thread-pool callables spawned into a Group (no limit) and joined: their starts
//     and ends reach the model from worker threads.
// The model keeps its default taskModelLimit (1000 ended rows), so rows are also dropped as
// tasks end. No view is attached: a view's own cost is the view's.
//
//   bench_taskmodel [--scale F] [--reps N] [--runs N]     (--scale 0.01 for a smoke run)
// --runs N: the whole table N times, then each row's min-median-max cost per task over the runs
// and whether it stayed below the target in every run.

#include "benchutil.h"
#include "readyfuture.h"

#include <AioUtils/Group>
#include <AioUtils/Pool>

#include <QtCore/qabstractitemmodel.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qstring.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

namespace {

void check(const AioUtils::Group &group, int n, QAbstractItemModel *model, const char *what)
{
    if (group.finishedCount() != n || group.failedCount() != 0)
        qFatal("bench_taskmodel: %s: %d of %d tasks finished", what, group.finishedCount(), n);
    // The model saw every task: at most the limit of ended rows is left.
    if (model && model->rowCount() != std::min(n, group.taskModelLimit()))
        qFatal("bench_taskmodel: %s: %d rows", what, model->rowCount());
}

void queued(int n, bool withModel)
{
    AioUtils::Pool pool(8);
    QAbstractItemModel *model = withModel ? pool.taskModel() : nullptr;
    pool.setPaused(true);
    for (int i = 0; i < n; ++i)
        pool.post([] { return TestUtil::readyFuture(); });
    pool.setPaused(false);
    pool.join();
    QCoreApplication::processEvents(); // the last drain's rows
    check(pool, n, model, "queued");
}

void threads(int n, bool withModel)
{
    AioUtils::Group group;
    QAbstractItemModel *model = withModel ? group.taskModel() : nullptr;
    for (int i = 0; i < n; ++i)
        group.spawn([i] { return i; });
    group.join();
    QCoreApplication::processEvents();
    check(group, n, model, "threads");
}

constexpr double TargetUs = 2.0;

// The rows of every run: a row's cost per task, one figure a run.
class Costs
{
public:
    void row(const QString &workload, int n, double without, double with)
    {
        const double perTaskUs = (with - without) * 1000.0 / n;
        std::printf("%-44s %10.1f %10.1f %8.2f us  (target < %.0f us/task)\n", qPrintable(workload),
                    without, with, perTaskUs, TargetUs);
        std::fflush(stdout);
        auto found = std::find_if(m_rows.begin(), m_rows.end(),
                                  [&](const Row &row) { return row.workload == workload; });
        if (found == m_rows.end())
            found = m_rows.insert(m_rows.end(), Row { workload, {} });
        found->costsUs.push_back(perTaskUs);
    }
    void summary() const
    {
        if (m_rows.empty() || m_rows.front().costsUs.size() < 2)
            return;
        std::printf("\n%zu runs, cost per task min-median-max:\n", m_rows.front().costsUs.size());
        for (const Row &row : m_rows) {
            const BenchUtil::Spread spread = BenchUtil::spreadOf(row.costsUs);
            std::printf("%-44s %.2f-%.2f-%.2f us  target < %.0f us: %s\n", qPrintable(row.workload),
                        spread.min, spread.median, spread.max, TargetUs,
                        spread.max < TargetUs ? "met in every run" : "MISSED");
        }
        std::fflush(stdout);
    }

private:
    struct Row
    {
        QString workload;
        std::vector<double> costsUs;
    };
    std::vector<Row> m_rows;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    double scale = 1.0;
    int reps = 5;
    int runs = 1;
    if (!BenchUtil::readOptions(app.arguments(), "bench_taskmodel", &scale, &reps, &runs))
        return 2;
    const int nQueued = std::max(1, int(200000 * scale));
    const int nThreads = std::max(1, int(200000 * scale));
    // Warm-up: threads, allocator, code paths.
    for (bool withModel : { false, true }) {
        queued(std::max(1, nQueued / 10), withModel);
        threads(std::max(1, nThreads / 10), withModel);
    }
    Costs costs;
    BenchUtil::runTable(costs, runs, [&] {
        const std::vector<double> medians = BenchUtil::interleavedMediansMs(
                { [&] { queued(nQueued, false); }, [&] { queued(nQueued, true); },
                  [&] { threads(nThreads, false); }, [&] { threads(nThreads, true); } },
                reps);
        std::printf("%-44s %10s %10s %11s\n", "workload", "no model", "model ms", "per task");
        costs.row(QStringLiteral("%1 queued tasks, Pool of 8").arg(nQueued), nQueued, medians[0],
                  medians[1]);
        costs.row(QStringLiteral("%1 thread-pool tasks, Group").arg(nThreads), nThreads, medians[2],
                  medians[3]);
    });
    return 0;
}
