// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/timeouterror.h>

#include <QtCore/qstring.h>

namespace AioUtils {

/*!
    \class AioUtils::TimeoutError
    \inmodule AioUtils
    \brief The failure of a task that ran longer than its group's taskTimeout.

    The group records it (failures(), taskFailed(), failedCount) and join() rethrows it like any
    failure. A timed-out task whose future the group made (spawn() of a callable) finishes with
    it in that future; an adopted future, or the one future-returning work gave, is canceled (see
    Group::setTaskTimeout() for the one exception).
*/

/*!
    The failure of a task still running \a timeoutMs milliseconds after it started.
*/
TimeoutError::TimeoutError(int timeoutMs) : m_timeoutMs(timeoutMs)
{
    // what() must not allocate, so the message is composed once here.
    m_what = QStringLiteral("task timed out after %1 ms (taskTimeout)").arg(timeoutMs).toUtf8();
}

/*!
    \fn int AioUtils::TimeoutError::timeoutMs() const
    The limit the task exceeded, in milliseconds.
*/

/*!
    "task timed out after <limit> ms (taskTimeout)".
*/
const char *TimeoutError::what() const noexcept
{
    return m_what.constData();
}

void TimeoutError::raise() const
{
    throw *this;
}

TimeoutError *TimeoutError::clone() const
{
    return new TimeoutError(*this);
}

} // namespace AioUtils
