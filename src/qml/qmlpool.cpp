// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "qmlpool.h"

namespace AioUtils {

/*!
    \qmltype Pool
    \inqmlmodule AioUtils
    \brief AioUtils::Pool for QML: a Group that runs at most \c size functions at once.

    \c size (the same value as \c maxConcurrency) is 4 unless set; below 1 it warns and is 1.
    Queued functions are called in spawn order as slots free up; a function that returned a
    promise holds its slot until the promise settles.

    \qml
    Pool {
        id: pool
        size: 3
    }
    Text { text: pool.finishedCount + " of " + pool.spawnedCount }
    \endqml
*/

QmlPool::QmlPool(QObject *parent) : Pool(4, parent), m_tasks(this) { }

QmlPool::~QmlPool() = default;

void QmlPool::spawn(const QJSValue &fn)
{
    m_tasks.spawn(fn);
}

} // namespace AioUtils
