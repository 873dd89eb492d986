// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Work started on a QThreadPool directly, not through AioUtils: other work competing for the
// pool's threads. QThreadPool hands it to a thread under QtCore's own mutex, which ThreadSanitizer
// cannot see in a QtCore built without it; the hand-over is annotated here with the library's own
// annotations (src/core/tsan_p.h).

#ifndef AIOUTILS_FOREIGNRUNNABLE_H
#define AIOUTILS_FOREIGNRUNNABLE_H

#include "tsan_p.h"

#include <QtCore/qrunnable.h>
#include <QtCore/qthreadpool.h>

#include <utility>

namespace TestUtil {

template<typename F> class ForeignRunnable final : public QRunnable
{
public:
    explicit ForeignRunnable(F f) : m_f(std::move(f)) { }
    void run() override
    {
        AIOUTILS_HANDOVER_ACQUIRE(this);
        m_f();
    }

private:
    F m_f;
};

template<typename F> void startForeign(QThreadPool *pool, F f)
{
    auto *runnable = new ForeignRunnable<F>(std::move(f));
    AIOUTILS_HANDOVER_RELEASE(runnable);
    pool->start(runnable);
}

} // namespace TestUtil

#endif // AIOUTILS_FOREIGNRUNNABLE_H
