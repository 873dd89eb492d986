// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "qmlorderedbag.h"

#include "jstask_p.h"

namespace AioUtils {

/*!
    \qmltype OrderedBag
    \inqmlmodule AioUtils
    \brief A Bag that delivers results in spawn order.

    The API of Bag. A result that settles early waits until those spawned before it are
    delivered; put() takes the next place in that order when it is called; failed and canceled
    tasks leave no gap.
*/

QmlOrderedBag::QmlOrderedBag(QObject *parent) : OrderedBag(parent), m_tasks(this) { }

QmlOrderedBag::~QmlOrderedBag() = default;

void QmlOrderedBag::spawn(const QJSValue &fn)
{
    m_tasks.spawn(fn);
}

void QmlOrderedBag::put(const QJSValue &value)
{
    Bag::put(resultOf(value));
}

QVariantList QmlOrderedBag::takeAll()
{
    return Bag::takeAll();
}

} // namespace AioUtils
