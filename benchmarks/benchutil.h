// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Shared by the benchmark programs: timing and the command line.

#ifndef AIOUTILS_BENCHUTIL_H
#define AIOUTILS_BENCHUTIL_H

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qstring.h>
#include <QtCore/qstringlist.h>
#include <QtCore/qthreadpool.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <utility>
#include <vector>

namespace BenchUtil {

// The median wall time of `reps` runs, in milliseconds; the thread pool is idle before each.
inline double medianMs(const std::function<void()> &run, int reps)
{
    std::vector<double> times;
    for (int i = 0; i < reps; ++i) {
        QThreadPool::globalInstance()->waitForDone();
        QElapsedTimer clock;
        clock.start();
        run();
        times.push_back(double(clock.nsecsElapsed()) / 1e6);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

// The wall times of `runs`, in milliseconds, measured interleaved: each repetition runs every
// one of them once, the first one a different one each time, so that a machine that slows down
// or speeds up during the benchmark weighs on all of them alike. times[k][i]: run k in
// repetition i.
inline std::vector<std::vector<double>>
interleavedTimesMs(const std::vector<std::function<void()>> &runs, int reps)
{
    std::vector<std::vector<double>> times(runs.size());
    for (int i = 0; i < reps; ++i) {
        for (std::size_t k = 0; k < runs.size(); ++k) {
            const std::size_t which = (k + std::size_t(i)) % runs.size();
            QThreadPool::globalInstance()->waitForDone();
            QElapsedTimer clock;
            clock.start();
            runs[which]();
            times[which].push_back(double(clock.nsecsElapsed()) / 1e6);
        }
    }
    return times;
}

// The smallest, the median (the upper one of an even count) and the largest of `values` (not
// empty).
struct Spread
{
    double min;
    double median;
    double max;
};
inline Spread spreadOf(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return { values.front(), values[values.size() / 2], values.back() };
}

inline double median(std::vector<double> values)
{
    return spreadOf(std::move(values)).median;
}

// The median wall times of `runs`, measured interleaved (see interleavedTimesMs()).
inline std::vector<double> interleavedMediansMs(const std::vector<std::function<void()>> &runs,
                                                int reps)
{
    std::vector<double> medians;
    for (std::vector<double> &each : interleavedTimesMs(runs, reps))
        medians.push_back(median(std::move(each)));
    return medians;
}

// The median over the repetitions of ours/baseline, each ratio taken within one repetition (the
// two ran one after the other): a drift of the machine between repetitions cancels out.
inline double pairedRatio(const std::vector<double> &baseMs, const std::vector<double> &oursMs)
{
    std::vector<double> ratios;
    for (std::size_t i = 0; i < baseMs.size() && i < oursMs.size(); ++i)
        ratios.push_back(oursMs[i] / baseMs[i]);
    return median(std::move(ratios));
}

// The rows of a benchmark's table, ours against a baseline, over one or more full runs: each row
// is printed as it is measured, and summary() gives each row's ratio as min-median-max over the
// runs and whether its target held in every one (a target is met only if every run meets it).
class Table
{
public:
    void header(const char *baselineName = "baseline") const
    {
        std::printf("%-44s %-40s %10s %10s %8s\n", "workload", baselineName, "base", "ours",
                    "ratio");
    }
    // `target` 0: none; `ratio` 0: oursMs / baseMs (else a paired one, see pairedRatio()).
    void row(const QString &workload, const QString &baselineName, double baseMs, double oursMs,
             double target = 0, double ratio = 0)
    {
        if (ratio <= 0)
            ratio = oursMs / baseMs;
        std::printf("%-44s %-40s %10.1f %10.1f %7.2fx", qPrintable(workload),
                    qPrintable(baselineName), baseMs, oursMs, ratio);
        if (target > 0)
            std::printf("  (target <= %.2fx)", target);
        std::printf("\n");
        std::fflush(stdout);
        // A row is its workload against its baseline: one workload may have several.
        auto [at, added] =
                m_index.try_emplace(workload + QLatin1Char('\n') + baselineName, m_rows.size());
        if (added)
            m_rows.push_back({ workload, baselineName, target, {} });
        m_rows[at->second].ratios.push_back(ratio);
    }
    // After the last run, when there was more than one.
    void summary() const
    {
        if (m_rows.empty() || m_rows.front().ratios.size() < 2)
            return;
        std::printf("\n%zu runs, ratio ours/baseline min-median-max:\n",
                    m_rows.front().ratios.size());
        for (const Row &row : m_rows) {
            const Spread spread = spreadOf(row.ratios);
            std::printf("%-44s %-40s %.2f-%.2f-%.2f", qPrintable(row.workload),
                        qPrintable(row.baselineName), spread.min, spread.median, spread.max);
            if (row.target > 0)
                std::printf("  target <= %.2f: %s", row.target,
                            spread.max <= row.target ? "met in every run" : "MISSED");
            std::printf("\n");
        }
        std::fflush(stdout);
    }

private:
    struct Row
    {
        QString workload;
        QString baselineName;
        double target;
        std::vector<double> ratios;
    };
    std::vector<Row> m_rows;
    std::map<QString, std::size_t> m_index;
};

// Reads `--scale F` (> 0), `--reps N` (>= 1) and, when `runs` is given, `--runs N` (>= 1: full
// runs of the whole table, see Table); an option named in `extra` takes a value and is left to
// the caller. False on anything else.
inline bool parseOptions(const QStringList &args, double *scale, int *reps, int *runs,
                         const QStringList &extra = {})
{
    for (int i = 1; i < args.size(); i += 2) {
        if (i + 1 >= args.size())
            return false;
        bool ok = false;
        if (args[i] == QLatin1String("--scale")) {
            *scale = args[i + 1].toDouble(&ok);
            ok = ok && std::isfinite(*scale) && *scale > 0;
        } else if (args[i] == QLatin1String("--reps")) {
            *reps = args[i + 1].toInt(&ok);
            ok = ok && *reps >= 1;
        } else if (runs && args[i] == QLatin1String("--runs")) {
            *runs = args[i + 1].toInt(&ok);
            ok = ok && *runs >= 1;
        } else {
            ok = extra.contains(args[i]);
        }
        if (!ok)
            return false;
    }
    return true;
}

// parseOptions() for a benchmark without options of its own (`--runs` too when `runs` is
// given): false after printing its usage.
inline bool readOptions(const QStringList &args, const char *name, double *scale, int *reps,
                        int *runs = nullptr)
{
    if (parseOptions(args, scale, reps, runs))
        return true;
    std::fprintf(stderr, "usage: %s [--scale F>0] [--reps N>=1]%s\n", name,
                 runs ? " [--runs N>=1]" : "");
    return false;
}

// Runs the whole table `runs` times, then prints each row's min-median-max over the runs (a Table,
// or another collector of rows with a summary()).
template<typename Rows> void runTable(Rows &table, int runs, const std::function<void()> &oneRun)
{
    for (int run = 1; run <= runs; ++run) {
        if (runs > 1) {
            std::printf("run %d of %d\n", run, runs);
            std::fflush(stdout);
        }
        oneRun();
    }
    table.summary();
}

} // namespace BenchUtil

#endif // AIOUTILS_BENCHUTIL_H
