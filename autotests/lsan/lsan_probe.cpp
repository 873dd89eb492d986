// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The probe of examples/lsan.supp (see CMakeLists.txt here). Two leaks, one per argument:
//   own          a QObject (with a child) the program itself never deletes: LeakSanitizer must
//                report it, with the suppressions too
//   dead-thread  what Qt's HTTP thread leaves when its QNetworkAccessManager goes right after a
//                reply finished: an object of that thread asked for its deletion by a queued call,
//                and the thread's loop stopped before it ran it; the suppressions hide it
// Made the same way every time (no race): the thread is held inside a queued call while the next
// call is queued and quit() is called, so its loop stops before it runs that call. QThread::wait()
// returns before the system thread is gone (Qt's threads are detached, and the thread still runs
// its thread-local destructors, which hold the leaked QThreadData): had the program exited then,
// LeakSanitizer would have found that thread alive and the leak reachable from it, and reported
// nothing (CI saw that once, under load). So the probe also waits for the thread to leave
// /proc/self/task.

#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QDir>
#include <QtCore/QMetaObject>
#include <QtCore/QObject>
#include <QtCore/QSemaphore>
#include <QtCore/QThread>

#include <cstdio>
#include <cstring>
#include <memory>

namespace {

qsizetype systemThreadCount()
{
    return QDir(QStringLiteral("/proc/self/task"))
            .entryList(QDir::Dirs | QDir::NoDotAndDotDot)
            .size();
}

// Polls: nothing signals a detached thread's end. False if it is still there after 30 s.
bool waitForSystemThreadCount(qsizetype count)
{
    const QDeadlineTimer deadline(30000);
    while (systemThreadCount() > count) {
        if (deadline.hasExpired())
            return false;
        QThread::msleep(1);
    }
    return true;
}

void leakOwnObject()
{
    auto *object = new QObject;
    new QObject(object);
    object = nullptr; // no pointer to it is left
}

bool leakDeadThreadQueue()
{
    const qsizetype threadsBefore = systemThreadCount();
    QSemaphore entered;
    QSemaphore released;
    const auto thread = std::make_unique<QThread>();
    thread->start();
    auto *object = new QObject; // deleted by the call queued below, which never runs
    object->moveToThread(thread.get());
    QMetaObject::invokeMethod(
            object,
            [&] {
                entered.release();
                released.acquire();
            },
            Qt::QueuedConnection);
    entered.acquire();
    // Queued while the thread runs the call above: its loop runs it on its next pass only.
    QMetaObject::invokeMethod(object, "deleteLater", Qt::QueuedConnection);
    thread->quit(); // there is no next pass
    released.release();
    thread->wait();
    return waitForSystemThreadCount(threadsBefore);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc == 2 && std::strcmp(argv[1], "own") == 0) {
        leakOwnObject();
    } else if (argc == 2 && std::strcmp(argv[1], "dead-thread") == 0) {
        if (!leakDeadThreadQueue()) {
            std::fprintf(
                    stderr,
                    "lsan_probe: the QThread's system thread was still there 30 s after wait()\n");
            return 3;
        }
    } else {
        std::fprintf(stderr, "usage: lsan_probe own|dead-thread\n");
        return 2;
    }
    return 0;
}
