// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Built and run only under ThreadSanitizer (see CMakeLists.txt): a genuine data race in an
// application's QtConcurrent::run work, adopted into a Group. Two tasks write the same plain int
// at the same time. The test passes only when TSan reports that race with the package's
// suppressions in force: they must hide Qt's internal hand-overs, never the application's bugs.

#include <AioUtils/Group>

#include "oneafterother.h"

#include <QtConcurrent/qtconcurrentrun.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qthreadpool.h>

#include <cstdio>

// Written by both tasks, unguarded: the race. Never read: main() could not read it after join()
// without a report of its own, which would make the test pass whether the tasks' race is
// reported or not. Not in the anonymous namespace, so that the compiler keeps the writes.
int shared = 0;

namespace {

void racyWrite(int value)
{
    Probe::oneAfterTheOther(value == 1, [value] { shared = value; });
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    AioUtils::Group group;
    group.spawn(QtConcurrent::run(&pool, [] { racyWrite(1); }));
    group.spawn(QtConcurrent::run(&pool, [] { racyWrite(2); }));
    if (!group.join(QDeadlineTimer(60000))) {
        std::fprintf(stderr, "tsan_user_race: the tasks did not finish\n");
        return 1;
    }
    return 0;
}
