// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The callbacks spawn(fn) hands to the then() of the thenable a function returned. Not API.

#ifndef AIOUTILS_JSSETTLER_P_H
#define AIOUTILS_JSSETTLER_P_H

#include <QtCore/qobject.h>
#include <QtQml/qjsvalue.h>

#include <memory>

namespace AioUtils {

class JsTask;

// Owned by the JavaScript heap (the engine collects it once the thenable let go of its
// callbacks); refers to its task weakly, so a settlement after the group died does nothing.
class JsSettler : public QObject
{
    Q_OBJECT

public:
    explicit JsSettler(const std::shared_ptr<JsTask> &task);
    ~JsSettler() override;

    Q_INVOKABLE void resolve(const QJSValue &value);
    Q_INVOKABLE void reject(const QJSValue &reason);

private:
    std::weak_ptr<JsTask> m_task;
};

} // namespace AioUtils

#endif // AIOUTILS_JSSETTLER_P_H
