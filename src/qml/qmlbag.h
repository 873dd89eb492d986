// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_QMLBAG_H
#define AIOUTILS_QMLBAG_H

#include "jstaskhost_p.h"

#include <AioUtils/bag.h>

#include <QtQml/qjsvalue.h>
#include <QtQml/qqmlregistration.h>

namespace AioUtils {

// The base is named in full: qmltyperegistrar (Qt 6.4) resolves it by that name.
class QmlBag : public AioUtils::Bag
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Bag)

public:
    explicit QmlBag(QObject *parent = nullptr);
    ~QmlBag() override;

    Q_INVOKABLE void spawn(const QJSValue &fn);
    Q_INVOKABLE void put(const QJSValue &value);
    Q_INVOKABLE QVariantList takeAll();

private:
    JsTaskHost m_tasks;
};

} // namespace AioUtils

#endif // AIOUTILS_QMLBAG_H
