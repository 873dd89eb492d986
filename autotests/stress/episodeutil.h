// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// What tst_stress and tst_stress_qml share besides the model: waiting on the owner thread's event
// loop, and the run's totals.

#ifndef STRESS_EPISODEUTIL_H
#define STRESS_EPISODEUTIL_H

#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QThread>
#include <QtCore/QTimer>

namespace Stress {

// Spins the current thread's event loop for about `ms` milliseconds.
inline void spin(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// Spins until `done()` or the deadline; returns done().
template<typename Done> bool spinUntil(Done done, int ms)
{
    const QDeadlineTimer deadline(ms);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        if (!done())
            QThread::yieldCurrentThread();
    }
    return true;
}

// What a run did, summed over its episodes (tst_stress_qml leaves the thread and network ones 0).
struct Totals
{
    qint64 ops = 0;
    qint64 episodes = 0;
    qint64 rounds = 0;
    qint64 tasks = 0;
    qint64 failures = 0;
    qint64 rethrown = 0;
    qint64 canceled = 0;
    qint64 destroyed = 0;
    qint64 onOtherThread = 0;
    qint64 network = 0;
};

} // namespace Stress

#endif // STRESS_EPISODEUTIL_H
