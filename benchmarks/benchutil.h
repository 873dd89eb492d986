// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Shared by the benchmark programs: timing and the command line.

#ifndef AIOUTILS_BENCHUTIL_H
#define AIOUTILS_BENCHUTIL_H

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qstringlist.h>
#include <QtCore/qthreadpool.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
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

// The median wall times of `runs`, measured interleaved: each repetition runs every one of them
// once, the first one a different one each time, so that a machine that slows down or speeds up
// during the benchmark weighs on all of them alike.
inline std::vector<double> interleavedMediansMs(const std::vector<std::function<void()>> &runs,
                                                int reps)
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
    std::vector<double> medians;
    for (std::vector<double> &each : times) {
        std::sort(each.begin(), each.end());
        medians.push_back(each[each.size() / 2]);
    }
    return medians;
}

// Reads `--scale F` (> 0) and `--reps N` (>= 1); an option named in `extra` takes a value and is
// left to the caller. False on anything else.
inline bool parseOptions(const QStringList &args, double *scale, int *reps,
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
        } else {
            ok = extra.contains(args[i]);
        }
        if (!ok)
            return false;
    }
    return true;
}

// parseOptions() for a benchmark without options of its own: false after printing its usage.
inline bool readOptions(const QStringList &args, const char *name, double *scale, int *reps)
{
    if (parseOptions(args, scale, reps))
        return true;
    std::fprintf(stderr, "usage: %s [--scale F>0] [--reps N>=1]\n", name);
    return false;
}

} // namespace BenchUtil

#endif // AIOUTILS_BENCHUTIL_H
