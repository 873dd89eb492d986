// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Qt deletes its global thread pool with the QCoreApplication; a later QCoreApplication gets a
// new one from QThreadPool::globalInstance(). Thread-pool work of the second application must run
// on the second pool, not through what is left of the first (a use after free; ASan reports it).

#include <AioUtils/Group>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qthread.h>
#include <QtCore/qthreadpool.h>

#include <atomic>
#include <cstdio>

static bool runOnce(int argc, char **argv, int n)
{
    QCoreApplication app(argc, argv);
    QThreadPool *const global = QThreadPool::globalInstance();
    std::atomic<int> onGlobal { 0 };
    std::atomic<int> ran { 0 };
    {
        AioUtils::Group group;
        const auto task = [&] {
            ++ran;
            if (global->contains(QThread::currentThread()))
                ++onGlobal;
        };
        group.spawn(task);
        group.post(task);
        if (!group.join(QDeadlineTimer(30000))) {
            std::printf("application %d: join timed out\n", n);
            return false;
        }
    }
    if (ran != 2 || onGlobal != 2) {
        std::printf("application %d: %d of 2 tasks ran, %d on the global pool\n", n, ran.load(),
                    onGlobal.load());
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    if (!runOnce(argc, argv, 1) || !runOnce(argc, argv, 2))
        return 1;
    std::printf("ok\n");
    return 0;
}
