// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_QMLGROUP_H
#define AIOUTILS_QMLGROUP_H

#include "jstaskhost_p.h"

#include <AioUtils/group.h>

#include <QtQml/qjsvalue.h>
#include <QtQml/qqmlregistration.h>

namespace AioUtils {

// The base is named in full: qmltyperegistrar (Qt 6.4) resolves it by that name.
class QmlGroup : public AioUtils::Group
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Group)

public:
    explicit QmlGroup(QObject *parent = nullptr);
    ~QmlGroup() override;

    Q_INVOKABLE void spawn(const QJSValue &fn);

private:
    JsTaskHost m_tasks;
};

} // namespace AioUtils

#endif // AIOUTILS_QMLGROUP_H
