// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/pool.h>

#include "group_p.h"

#include <QtCore/qlogging.h>

namespace AioUtils {

namespace {
int validSize(int size, const char *where)
{
    if (size >= 1)
        return size;
    qWarning("AioUtils::Pool::%s: size %d is below 1; using 1", where, size);
    return 1;
}
} // namespace

/*!
    \class AioUtils::Pool
    \inmodule AioUtils
    \brief A Group that runs at most size() tasks at once; the rest wait in spawn order.

    Adopted futures (spawn(QFuture<T>)) count as running at once and cannot be held back.
*/

/*!
    Creates a pool running at most \a size tasks at once, with the QObject \a parent. A size
    below 1 warns, naming the value, and means 1.
*/
Pool::Pool(int size, QObject *parent) : Group(parent)
{
    setMaxConcurrency(validSize(size, "Pool"));
    std::lock_guard lock(d_ptr->core->mutex);
    d_ptr->core->setMinimumConcurrencyLocked(1);
}

Pool::~Pool() = default;

int Pool::size() const
{
    return maxConcurrency();
}

/*!
    Changes the limit to \a size at run time; growing it starts queued tasks at once. A size
    below 1 warns and means 1.
*/
void Pool::setSize(int size)
{
    setMaxConcurrency(validSize(size, "setSize"));
}

/*!
    How many more tasks could start now: 0 while the pool is paused, or while its rateLimit
    holds the next start back. (A task whose key is at its limitPerKey waits in its key's line
    and takes none of these.)
*/
int Pool::freeCount() const
{
    std::lock_guard lock(d_ptr->core->mutex);
    return d_ptr->core->freeSlotCountLocked();
}

bool Pool::isFull() const
{
    return freeCount() == 0;
}

/*!
    Waits until a task could start now (freeCount() > 0: a free slot, not paused, and the
    rateLimit allows), spinning the pool's events on its own thread. Returns false if \a deadline
    passes first.
*/
bool Pool::waitAvailable(QDeadlineTimer deadline)
{
    return d_ptr->waitUntil(
            [](detail::GroupCore &c) {
                // Held back by the rate: the group's timer comes when it allows (armed first: the
                // rate may open between a look and the arming).
                c.armRateLocked();
                return c.freeSlotCountLocked() > 0;
            },
            deadline);
}

} // namespace AioUtils
