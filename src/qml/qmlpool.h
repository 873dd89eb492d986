// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_QMLPOOL_H
#define AIOUTILS_QMLPOOL_H

#include "jstaskhost_p.h"

#include <AioUtils/pool.h>

#include <QtQml/qjsvalue.h>
#include <QtQml/qqmlregistration.h>

namespace AioUtils {

// The base is named in full: qmltyperegistrar (Qt 6.4) resolves it by that name.
class QmlPool : public AioUtils::Pool
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Pool)

public:
    explicit QmlPool(QObject *parent = nullptr);
    ~QmlPool() override;

    Q_INVOKABLE void spawn(const QJSValue &fn);

private:
    JsTaskHost m_tasks;
};

} // namespace AioUtils

#endif // AIOUTILS_QMLPOOL_H
