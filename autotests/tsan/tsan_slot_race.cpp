// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Built and run only under ThreadSanitizer (see CMakeLists.txt): a genuine data race in an
// application's lambda slot. A lambda connected with a context object is called directly on two
// threads at once (a signal emitted on each, Qt::DirectConnection), and both calls write the same
// plain int, one after the other, unsynchronized. The test passes only when TSan reports that race
// with the package's suppressions in force: QtCore's handling of a slot object may be hidden, the
// code of the slot may not.

#include "oneafterother.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qobject.h>

#include <cstdio>
#include <thread>

namespace {

int shared = 0; // written by both calls of the slot, unguarded: the race

void racyWrite(int value)
{
    Probe::oneAfterTheOther(value == 1, [value] { shared = value; });
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
