// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "qmlbag.h"

#include "jstask_p.h"

namespace AioUtils {

/*!
    \qmltype Bag
    \inqmlmodule AioUtils
    \brief AioUtils::Bag for QML: a Group whose results are kept and shown.

    Every result (what a function returned, what its promise resolved to, every put() value) is
    emitted as \c resultReady(result) and retained in \c model (a list model with the role
    \c result) until takeAll() takes it. \c maxConcurrency limits how many functions run at once
    (0, the default: unlimited); \c bufferLimit holds back queued functions while that many
    results are retained; \c bufferedCount counts them.

    \qml
    Bag {
        id: bag
        maxConcurrency: 4
        onResultReady: (result) => console.log(result)
    }
    ListView {
        model: bag.model
        delegate: Text { required property var result; text: result }
    }
    \endqml
*/

/*!
    \qmlmethod void Bag::put(var value)

    Adds \a value as a result of its own. An object (a QObject too) is kept as the JavaScript value
    it is, which keeps it from the garbage collector until it is taken; other values are converted
    as QJSValue::toVariant() does. Task results are kept the same way.
*/

/*!
    \qmlmethod list Bag::takeAll()

    Takes every retained result and returns them; they leave the model. Never waits.
*/

QmlBag::QmlBag(QObject *parent) : Bag(parent), m_tasks(this) { }

QmlBag::~QmlBag() = default;

void QmlBag::spawn(const QJSValue &fn)
{
    m_tasks.spawn(fn);
}

void QmlBag::put(const QJSValue &value)
{
    Bag::put(resultOf(value));
}

QVariantList QmlBag::takeAll()
{
    return Bag::takeAll();
}

} // namespace AioUtils
