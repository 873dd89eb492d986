// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The probe of examples/lsan.supp (see CMakeLists.txt here). Two leaks, one per argument:
//   own          a QObject (with a child) the program itself never deletes: LeakSanitizer must
//                report it, with the suppressions too
//   dead-thread  what Qt's HTTP thread leaves when its QNetworkAccessManager goes right after a
//                reply finished: an object of that thread asked for its deletion by a queued call,
//                and the thread's loop stopped before it ran it; the suppressions hide it
// Made the same way every time (no race): the thread is held inside a queued call while the next
// call is queued and quit() is called, so its loop stops before it runs that call.

#include <QtCore/QCoreApplication>
#include <QtCore/QMetaObject>
#include <QtCore/QObject>
#include <QtCore/QSemaphore>
#include <QtCore/QThread>

#include <cstdio>
#include <cstring>
#include <memory>

namespace {

void leakOwnObject()
{
    auto *object = new QObject;
    new QObject(object);
    object = nullptr; // no pointer to it is left
}

void leakDeadThreadQueue()
{
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
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc == 2 && std::strcmp(argv[1], "own") == 0) {
        leakOwnObject();
    } else if (argc == 2 && std::strcmp(argv[1], "dead-thread") == 0) {
        leakDeadThreadQueue();
    } else {
        std::fprintf(stderr, "usage: lsan_probe own|dead-thread\n");
        return 2;
    }
    return 0;
}
