// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "qmlgroup.h"

namespace AioUtils {

/*!
    \qmltype Group
    \inqmlmodule AioUtils
    \brief AioUtils::Group for QML: spawn JavaScript functions, follow them with properties.

    Same properties and signals as the C++ class: \c maxConcurrency (0: unlimited),
    \c failurePolicy (\c Group.ContinueOnFailure, \c Group.CancelOnFailure), the counters
    \c spawnedCount, \c queuedCount, \c runningCount, \c finishedCount, \c failedCount, \c idle,
    and the signals \c taskFailed(message) and \c finished(). \c cancel() cancels the round.

    \qml
    Group {
        id: group
        onTaskFailed: (message) => console.warn(message)
        onFinished: console.log("done:", finishedCount)
    }
    // …
    group.spawn(() => Http.get(url))
    \endqml

    Destroying the group (with its item, say through a Loader) cancels its tasks; promises that
    settle later are ignored.
*/

/*!
    \qmlmethod void Group::spawn(function fn)

    Calls \a fn without arguments once a slot is free (at once in an unlimited group), on the
    engine's thread. What it returns is the task's result (\c undefined: none, as a C++ void
    task; a Bag keeps no result for it). If that is a Promise, or any thenable
    (an object with a callable \c then), the task runs until it settles: it succeeds with the
    value it resolves to, or fails when it rejects. A failure's message (taskFailed(message)) is
    the message of an \c Error, or the string of any other value; a value \a fn throws is a
    failure the same way. A queued \a fn is not called before its slot is free, so a Pool limits
    how many promises are pending at once.

    A canceled task (cancel(), \c CancelOnFailure, the group destroyed) ignores how its promise
    settles later. JavaScript promises cannot be canceled; a promise from Http.get() can, and is
    aborted with its task (see HttpRequest).

    Not a function: a TypeError is thrown.
*/

QmlGroup::QmlGroup(QObject *parent) : Group(parent), m_tasks(this) { }

QmlGroup::~QmlGroup() = default;

void QmlGroup::spawn(const QJSValue &fn)
{
    m_tasks.spawn(fn);
}

} // namespace AioUtils
