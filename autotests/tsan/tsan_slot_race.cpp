// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Built and run only under ThreadSanitizer (see CMakeLists.txt): a genuine data race in an
// application's lambda slot. A lambda connected with a context object is called directly on two
// threads at once (a signal emitted on each, Qt::DirectConnection), and both calls write the same
// plain int, one after the other, unsynchronized. The test passes only when TSan reports that race
// with the package's suppressions in force: QtCore's handling of a slot object may be hidden, the
// code of the slot may not.

#include <QtCore/qcoreapplication.h>
#include <QtCore/qobject.h>

#include <atomic>
#include <cstdio>
#include <thread>

namespace {

int shared = 0; // written by both calls of the slot, unguarded: the race

// Relaxed atomics give TSan no happens-before edge between the threads.
std::atomic<int> arrived { 0 }; // holds each call until both run
std::atomic<bool> firstWritten { false };

// Both calls run at the same time, on two threads; then value 1 is written first and value 2
// after it. TSan may miss two writes made at the very same moment (each is checked before the other
// is recorded), never two made one after the other without synchronization.
void racyWrite(int value)
{
    arrived.fetch_add(1, std::memory_order_relaxed);
    while (arrived.load(std::memory_order_relaxed) < 2)
        std::this_thread::yield();
    if (value == 1) {
        shared = value;
        firstWritten.store(true, std::memory_order_relaxed);
    } else {
        while (!firstWritten.load(std::memory_order_relaxed))
            std::this_thread::yield();
        shared = value;
    }
}

class Emitter : public QObject
{
    Q_OBJECT

Q_SIGNALS:
    void fired(int value);
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Emitter emitter;
    QObject context;
    QObject::connect(
            &emitter, &Emitter::fired, &context, [](int value) { racyWrite(value); },
            Qt::DirectConnection);
    std::thread first([&emitter] { Q_EMIT emitter.fired(1); });
    std::thread second([&emitter] { Q_EMIT emitter.fired(2); });
    first.join();
    second.join();
    std::printf("tsan_slot_race: shared is %d\n", shared);
    return 0;
}

#include "tsan_slot_race.moc"
