// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_QMLORDEREDBAG_H
#define AIOUTILS_QMLORDEREDBAG_H

#include "jstaskhost_p.h"

#include <AioUtils/orderedbag.h>

#include <QtQml/qjsvalue.h>
#include <QtQml/qqmlregistration.h>

namespace AioUtils {

// The base is named in full: qmltyperegistrar (Qt 6.4) resolves it by that name.
class QmlOrderedBag : public AioUtils::OrderedBag
{
    Q_OBJECT
    QML_NAMED_ELEMENT(OrderedBag)

public:
    explicit QmlOrderedBag(QObject *parent = nullptr);
    ~QmlOrderedBag() override;

    Q_INVOKABLE void spawn(const QJSValue &fn);
    Q_INVOKABLE void put(const QJSValue &value);
    Q_INVOKABLE QVariantList takeAll();

private:
    JsTaskHost m_tasks;
};

} // namespace AioUtils

#endif // AIOUTILS_QMLORDEREDBAG_H
