// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Built and run only under ThreadSanitizer (see CMakeLists.txt): a genuine data race in an
// application's QFuture::then() continuations. Two futures finish on two pool threads, each of
// which runs its future's continuation, and both continuations, running at once, write the same
// plain int. The test passes only when TSan reports that race with the package's suppressions in
// force: Qt's hand-over of a continuation may be hidden, the code the continuation runs may not.

#include <AioUtils/Group>

#include "oneafterother.h"

#include <QtConcurrent/qtconcurrentrun.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qthreadpool.h>

#include <atomic>
#include <cstdio>
#include <thread>

// Written by both continuations, unguarded: the race. Never read: main() could not read it after
// join() without a report of its own (README, "Using the installed package"), which would make
// the test pass whether the continuations' race is reported or not. Not in the anonymous
// namespace, so that the compiler keeps the writes.
int shared = 0;

namespace {

// Relaxed atomics give TSan no happens-before edge between the threads.
std::atomic<bool> attached { false }; // both continuations are attached: let the work finish

void work()
{
    // Finish only once both continuations are attached, so that each runs on the pool thread that
    // finishes its future, not on the main thread inside then().
    while (!attached.load(std::memory_order_relaxed))
        std::this_thread::yield();
}

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
    QFuture<void> first = QtConcurrent::run(&pool, work).then([] { racyWrite(1); });
    QFuture<void> second = QtConcurrent::run(&pool, work).then([] { racyWrite(2); });
    attached.store(true, std::memory_order_relaxed);
    AioUtils::Group group;
    group.spawn(first);
    group.spawn(second);
    if (!group.join(QDeadlineTimer(60000))) {
        std::fprintf(stderr, "tsan_continuation_race: the continuations did not finish\n");
        return 1;
    }
    return 0;
}
