// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Built and run only under ThreadSanitizer (see CMakeLists.txt): a genuine data race in an
// application's QtConcurrent::run work, adopted into a Group. Two tasks write the same plain int
// at the same time. The test passes only when TSan reports that race with the package's
// suppressions in force: they must hide Qt's internal hand-overs, never the application's bugs.

#include <AioUtils/Group>

#include <QtConcurrent/qtconcurrentrun.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qthreadpool.h>

#include <atomic>
#include <cstdio>
#include <thread>

namespace {

int shared = 0; // written by both tasks, unguarded: the race

// Holds each task until both run, so that the writes really overlap on two threads. Relaxed
// atomics give TSan no happens-before edge between the tasks.
std::atomic<int> arrived { 0 };

void racyWrite(int value)
{
    arrived.fetch_add(1, std::memory_order_relaxed);
    while (arrived.load(std::memory_order_relaxed) < 2)
        std::this_thread::yield();
    shared = value;
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
    std::printf("tsan_user_race: shared is %d\n", shared);
    return 0;
}
